/**
 * azd's substitution of `${VAR}` in infra/main.parameters.json, ported from the library azd uses,
 * github.com/drone/envsubst v1.0.3 (parse/scan.go, parse/parse.go, funcs.go), and azd's own use of
 * it (Azure/azure-dev cli/azd/pkg/infra/provisioning/bicep/bicep_provider.go, loadParameters):
 * - a default (`${VAR=default}`, `:=`, `:-`) ends at the first `}`: whatever follows is text,
 *   so `${VAR={}}` reads the default `{` followed by the text `}`;
 * - a default applies when the variable is unset or empty;
 * - `\\` outside a substitution is an escape; nothing is escaped inside a default;
 * - an array or object parameter given as a string is substituted alone, then parsed as JSON,
 *   and left out (the Bicep default applies) when it comes out empty from an unset variable;
 * - any other parameter is substituted inside its JSON text (`{"value":"…"}`), then parsed.
 * Only the forms of the substitution this project may use are ported; the others throw.
 */

type Node = { text: string } | { variable: string; op?: string; args: Node[][] };

class Scanner {
  pos = 0;
  constructor(public buf: string) {}
  peek(): string {
    return this.buf[this.pos] ?? '';
  }
  /** The `${` that opens a substitution, consumed when found. */
  lbrack(): boolean {
    if (this.buf.startsWith('${', this.pos)) {
      this.pos += 2;
      return true;
    }
    return false;
  }
}

function parseText(s: Scanner): Node[] {
  const nodes: Node[] = [];
  let text = '';
  while (s.pos < s.buf.length) {
    if (s.lbrack()) {
      if (text) nodes.push({ text });
      text = '';
      nodes.push(parseFunc(s));
      continue;
    }
    const c = s.buf[s.pos]!;
    const next = s.buf[s.pos + 1];
    // `$$` escapes a `$`, but `$${X}` still substitutes X (the escape removes one `$`, and the
    // scanner then meets `${`): not ported.
    if (c === '$' && next === '$') throw new Error('envsubst: `$$` is not ported here');
    // scanEscaped (v1.0.3): `\\` gives `\`, `\/` gives `/`.
    if (c === '\\' && (next === '\\' || next === '/')) {
      text += next;
      s.pos += 2;
      continue;
    }
    text += c;
    s.pos++;
  }
  if (text) nodes.push({ text });
  return nodes;
}

function parseFunc(s: Scanner): Node {
  const name = /^[\p{L}\p{N}_]+/u.exec(s.buf.slice(s.pos))?.[0];
  if (!name) throw new Error('envsubst: unable to parse variable name');
  s.pos += name.length;
  const c = s.peek();
  if (c === '}') {
    s.pos++;
    return { variable: name, args: [] };
  }
  let op: string;
  if (c === '=') op = '=';
  else if (c === ':' && ['=', '-', '?', '+'].includes(s.buf[s.pos + 1] ?? '')) op = `:${s.buf[s.pos + 1]}`;
  else throw new Error(`envsubst: substitution \${${name}${c}…} is not ported here`);
  s.pos += op.length;
  // parseDefaultFunc: arguments up to the first `}`, each a text or a nested substitution.
  const args: Node[][] = [];
  for (;;) {
    if (s.peek() === '}') {
      s.pos++;
      return { variable: name, op, args };
    }
    if (s.pos >= s.buf.length) throw new Error('envsubst: unable to parse substitution within function');
    if (s.lbrack()) {
      args.push([parseFunc(s)]);
      continue;
    }
    let text = '';
    while (s.pos < s.buf.length && s.peek() !== '}' && !s.buf.startsWith('${', s.pos)) text += s.buf[s.pos++];
    args.push([{ text }]);
  }
}

function execute(nodes: Node[], lookup: (name: string) => string): string {
  return nodes
    .map((n) => {
      if ('text' in n) return n.text;
      const value = lookup(n.variable);
      // toDefault: the arguments, joined, when the value is empty (unset or set to '').
      return value === '' && n.args.length > 0 ? n.args.map((a) => execute(a, lookup)).join('') : value;
    })
    .join('');
}

export interface Substitution {
  value: string;
  variables: string[];
  /** A variable it names is not set (azd then leaves out a parameter that comes out empty). */
  unset: boolean;
}

/** envsubst.Eval with azd's mapping (an unset variable reads as ''). */
export function envsubst(template: string, env: Record<string, string | undefined>): Substitution {
  const variables: string[] = [];
  let unset = false;
  const value = execute(parseText(new Scanner(template)), (name) => {
    variables.push(name);
    if (env[name] === undefined) unset = true;
    return env[name] ?? '';
  });
  return { value, variables, unset };
}

/**
 * What azd passes for one parameter of main.parameters.json: `{ value }`, or undefined when it
 * leaves the parameter out (the Bicep default applies). Throws azd's error where azd fails.
 */
export function azdParameter(
  name: string,
  param: { value: unknown },
  armType: string,
  env: Record<string, string | undefined>,
): { value: unknown } | undefined {
  const complex = armType === 'array' || armType === 'object' || armType === 'secureObject';
  if (complex && typeof param.value === 'string') {
    const { value, unset } = envsubst(param.value, env);
    if (value === '' && unset) return undefined;
    try {
      return { value: JSON.parse(value) as unknown };
    } catch (error) {
      // azd's own message, which prints the value: a secret in it ends up in the log.
      throw new Error(`substituting parameter '${name}' (${armType}): ${(error as Error).message}: value '${value}' is not valid JSON`, {
        cause: error,
      });
    }
  }
  const { value, unset } = envsubst(JSON.stringify(param), env);
  const resolved = JSON.parse(value) as { value?: unknown };
  if (resolved.value === undefined || resolved.value === null) return undefined;
  if (resolved.value === '' && unset) return undefined;
  return { value: resolved.value };
}
