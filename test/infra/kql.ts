/**
 * A small evaluator of the Kusto (KQL) subset the alert rules use, over recorded log lines: a
 * table (`traces`), then `where`, `extend`, `project`, `summarize <agg>, … by <cols>`; expressions
 * with and/or/not, comparisons, `in (…)`, `startswith`, `matches regex`, and the functions
 * coalesce, tostring, toint, extract, isnotnull, isnotempty, count, min. Anything else throws, so
 * a rule that grows past the subset fails its test instead of passing unchecked.
 */
export type Row = Record<string, unknown>;

type Token = { kind: 'id' | 'str' | 'num' | 'op'; text: string; value?: unknown };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s+|(@"(?:[^"]|"")*")|("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.)*')|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(==|!=|<=|>=|[|(),=<>!*])/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[1]) tokens.push({ kind: 'str', text: m[1], value: m[1].slice(2, -1).replace(/""/g, '"') });
    else if (m[2] || m[3]) tokens.push({ kind: 'str', text: m[0], value: m[0].slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (m[4]) tokens.push({ kind: 'num', text: m[4], value: Number(m[4]) });
    else if (m[5]) tokens.push({ kind: 'id', text: m[5] });
    else if (m[6]) tokens.push({ kind: 'op', text: m[6] });
  }
  if (re.lastIndex < text.length) throw new Error(`KQL: cannot read at ${text.slice(re.lastIndex, re.lastIndex + 20)}`);
  return tokens;
}

type Expr = (row: Row) => unknown;

class Parser {
  private i = 0;
  constructor(private readonly t: Token[]) {}
  peek(text?: string) {
    const tok = this.t[this.i];
    return text === undefined ? tok : tok?.text === text ? tok : undefined;
  }
  next(text?: string): Token {
    const tok = this.t[this.i++];
    if (!tok || (text !== undefined && tok.text !== text)) throw new Error(`KQL: expected ${text ?? 'a token'}, got ${tok?.text}`);
    return tok;
  }
  done() {
    return this.i >= this.t.length;
  }
  expr(): Expr {
    let left = this.and();
    while (this.peek('or')) {
      this.next();
      const a = left;
      const b = this.and();
      left = (r) => Boolean(a(r)) || Boolean(b(r));
    }
    return left;
  }
  and(): Expr {
    let left = this.comparison();
    while (this.peek('and')) {
      this.next();
      const a = left;
      const b = this.comparison();
      left = (r) => Boolean(a(r)) && Boolean(b(r));
    }
    return left;
  }
  comparison(): Expr {
    const a = this.primary();
    const op = this.peek();
    if (!op) return a;
    if (['==', '!=', '<', '>', '<=', '>='].includes(op.text)) {
      this.next();
      const b = this.primary();
      return (r) => compare(op.text, a(r), b(r));
    }
    if (op.text === 'in') {
      this.next();
      this.next('(');
      const items: Expr[] = [this.primary()];
      while (this.peek(',')) {
        this.next();
        items.push(this.primary());
      }
      this.next(')');
      return (r) => items.some((item) => item(r) === a(r));
    }
    if (op.text === 'startswith') {
      this.next();
      const b = this.primary();
      return (r) =>
        String(a(r) ?? '')
          .toLowerCase()
          .startsWith(String(b(r)).toLowerCase());
    }
    if (op.text === 'matches') {
      this.next();
      this.next('regex');
      const b = this.primary();
      return (r) => new RegExp(String(b(r))).test(String(a(r) ?? ''));
    }
    return a;
  }
  primary(): Expr {
    const tok = this.next();
    if (tok.kind === 'str' || tok.kind === 'num') return () => tok.value;
    if (tok.text === '(') {
      const e = this.expr();
      this.next(')');
      return e;
    }
    if (tok.kind === 'id' && this.peek('(')) {
      this.next('(');
      const args: Expr[] = [];
      if (!this.peek(')')) {
        args.push(this.expr());
        while (this.peek(',')) {
          this.next();
          args.push(this.expr());
        }
      }
      this.next(')');
      return call(tok.text, args);
    }
    if (tok.text === 'true' || tok.text === 'false') return () => tok.text === 'true';
    if (tok.kind === 'id') {
      const path = tok.text.split('.');
      return (r) => path.reduce<unknown>((v, k) => (v as Row | undefined)?.[k], r);
    }
    throw new Error(`KQL: unexpected ${tok.text}`);
  }
}

const empty = (v: unknown) => v === undefined || v === null || v === '';

function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (empty(a) || empty(b)) return false;
  const [x, y] = [a as number, b as number];
  return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
}

function call(name: string, args: Expr[]): Expr {
  switch (name) {
    case 'coalesce':
      return (r) => args.map((a) => a(r)).find((v) => !empty(v)) ?? null;
    case 'tostring':
      return (r) => (empty(args[0]!(r)) ? '' : String(args[0]!(r)));
    case 'toint':
      return (r) => {
        const v = args[0]!(r);
        const n = empty(v) ? NaN : Number(v);
        return Number.isFinite(n) ? Math.trunc(n) : null;
      };
    case 'extract':
      return (r) => new RegExp(String(args[0]!(r))).exec(String(args[2]!(r) ?? ''))?.[Number(args[1]!(r))] ?? '';
    case 'isnotnull':
      return (r) => args[0]!(r) !== null && args[0]!(r) !== undefined;
    case 'isnotempty':
      return (r) => !empty(args[0]!(r));
    case 'not':
      return (r) => !args[0]!(r);
    default:
      throw new Error(`KQL: function ${name} is outside the subset`);
  }
}

/** Splits at the top-level pipes (none of our strings hold one). */
function stages(query: string): string[] {
  return query
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, ''))
    .join('\n')
    .split(/\n\s*\|/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function assignments(p: Parser): [string, Expr][] {
  const out: [string, Expr][] = [];
  do {
    if (out.length > 0) p.next(',');
    const name = p.next().text;
    if (p.peek('=')) {
      p.next('=');
      out.push([name, p.expr()]);
    } else {
      const path = name.split('.');
      out.push([path[path.length - 1]!, (r) => path.reduce<unknown>((v, k) => (v as Row | undefined)?.[k], r)]);
    }
  } while (p.peek(','));
  return out;
}

export function runKql(query: string, tables: Record<string, Row[]>): Row[] {
  const [source, ...rest] = stages(query);
  let rows = tables[source!.trim()];
  if (!rows) throw new Error(`KQL: table ${source} unknown`);
  for (const stage of rest) {
    const [op] = stage.split(/\s/, 1);
    const p = new Parser(tokenize(stage.slice(op!.length)));
    if (op === 'where') {
      const e = p.expr();
      rows = rows.filter((r) => Boolean(e(r)));
    } else if (op === 'extend') {
      const set = assignments(p);
      rows = rows.map((r) => {
        const out = { ...r };
        for (const [k, e] of set) out[k] = e(r);
        return out;
      });
    } else if (op === 'project') {
      const set = assignments(p);
      rows = rows.map((r) => Object.fromEntries(set.map(([k, e]) => [k, e(r)])));
    } else if (op === 'summarize') {
      const aggs: [string, string, Expr | null][] = [];
      do {
        if (aggs.length > 0) p.next(',');
        const name = p.next().text;
        p.next('=');
        const fn = p.next().text;
        p.next('(');
        const arg = p.peek(')') ? null : p.expr();
        p.next(')');
        aggs.push([name, fn, arg]);
      } while (p.peek(','));
      const by: string[] = [];
      if (p.peek('by')) {
        p.next('by');
        by.push(p.next().text);
        while (p.peek(',')) {
          p.next();
          by.push(p.next().text);
        }
      }
      const groups = new Map<string, Row[]>();
      for (const r of rows) {
        const key = JSON.stringify(by.map((b) => r[b] ?? ''));
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      rows = [...groups.values()].map((group) => {
        const out: Row = Object.fromEntries(by.map((b) => [b, group[0]![b] ?? '']));
        for (const [name, fn, arg] of aggs) {
          if (fn === 'count') out[name] = group.length;
          else if (fn === 'min') out[name] = Math.min(...group.map((g) => arg!(g) as number).filter((v) => typeof v === 'number'));
          else throw new Error(`KQL: aggregate ${fn} is outside the subset`);
        }
        return out;
      });
    } else throw new Error(`KQL: operator ${op} is outside the subset`);
    if (!p.done()) throw new Error(`KQL: left unread in "${stage}"`);
  }
  return rows;
}

/** The queries of a Bicep file: each `var <name> = '''…'''`. */
export function bicepQueries(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/var (\w+) = '''\n([\s\S]*?)'''/g)].map((m) => [m[1]!, m[2]!]));
}
