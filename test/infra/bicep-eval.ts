/**
 * Evaluates Bicep user-defined functions (`func name(a string) T => expr`) from their parse tree,
 * for the pure string functions the naming module uses. An expression outside that subset throws,
 * so a test never passes on something it did not evaluate.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';

type Value = string | number | boolean | { [key: string]: Value } | Value[];

let parser: Parser | undefined;

export async function bicepParser(): Promise<Parser> {
  if (!parser) {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve('tree-sitter-bicep/tree-sitter-bicep.wasm');
    parser = new Parser();
    parser.setLanguage(await Language.load(wasm));
  }
  return parser;
}

const BUILTINS: Record<string, (...args: Value[]) => Value> = {
  toLower: (s) => str(s).toLowerCase(),
  toUpper: (s) => str(s).toUpperCase(),
  replace: (s, from, to) => str(s).split(str(from)).join(str(to)),
  take: (s, n) => str(s).slice(0, Math.max(0, Number(n))),
  empty: (s) => (typeof s === 'string' || Array.isArray(s) ? s.length === 0 : Object.keys(s as object).length === 0),
  endsWith: (s, end) => str(s).toLowerCase().endsWith(str(end).toLowerCase()),
  startsWith: (s, start) => str(s).toLowerCase().startsWith(str(start).toLowerCase()),
  length: (s) => (typeof s === 'string' || Array.isArray(s) ? s.length : Object.keys(s as object).length),
};

function str(v: Value): string {
  if (typeof v !== 'string') throw new Error(`string expected, got ${JSON.stringify(v)}`);
  return v;
}

function unsupported(node: Node): never {
  throw new Error(`unsupported Bicep expression (${node.type}): ${node.text.slice(0, 80)}`);
}

function evaluate(node: Node, scope: Record<string, Value>): Value {
  switch (node.type) {
    case 'string':
      return node.namedChildren
        .map((part) => {
          if (!part) return '';
          if (part.type === 'string_content') return part.text;
          if (part.type === 'escape_sequence') return JSON.parse(`"${part.text.replace("\\'", "'").replace('\\$', '$')}"`) as string;
          if (part.type === 'interpolation') return String(evaluate(part.namedChildren[0]!, scope));
          return unsupported(part);
        })
        .join('');
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'identifier': {
      if (!(node.text in scope)) throw new Error(`unknown identifier ${node.text}`);
      return scope[node.text]!;
    }
    case 'parenthesized_expression':
      return evaluate(node.namedChildren[0]!, scope);
    case 'call_expression': {
      const name = node.childForFieldName('function')!.text;
      const fn = BUILTINS[name];
      if (!fn) throw new Error(`function ${name} is not evaluated by this test`);
      const args = node.childForFieldName('arguments')!.namedChildren.map((a) => evaluate(a!, scope));
      return fn(...args);
    }
    case 'ternary_expression':
      return evaluate(node.childForFieldName('condition')!, scope)
        ? evaluate(node.childForFieldName('consequence')!, scope)
        : evaluate(node.childForFieldName('alternative')!, scope);
    case 'binary_expression': {
      const left = evaluate(node.childForFieldName('left')!, scope);
      const right = evaluate(node.childForFieldName('right')!, scope);
      const op = node.children.find((c) => c && !c.isNamed)?.text;
      if (op === '==') return left === right;
      if (op === '!=') return left !== right;
      if (op === '&&') return Boolean(left && right);
      if (op === '||') return Boolean(left || right);
      if (op === '+') return Number(left) + Number(right);
      if (op === '-') return Number(left) - Number(right);
      return unsupported(node);
    }
    case 'object': {
      const result: Record<string, Value> = {};
      for (const prop of node.namedChildren) {
        if (!prop || prop.type === 'comment') continue;
        if (prop.type !== 'object_property') unsupported(prop);
        const [key, value] = prop.namedChildren.filter((c) => c && c.type !== 'comment') as Node[];
        result[key!.type === 'string' ? str(evaluate(key!, scope)) : key!.text] = evaluate(value!, scope);
      }
      return result;
    }
    default:
      return unsupported(node);
  }
}

/** The user-defined functions of a Bicep source, callable from TypeScript. */
export async function bicepFunctions(source: string): Promise<Record<string, (...args: Value[]) => Value>> {
  const tree = (await bicepParser()).parse(source)!;
  if (tree.rootNode.hasError) throw new Error('the Bicep source does not parse');
  const functions: Record<string, (...args: Value[]) => Value> = {};
  for (const decl of tree.rootNode.namedChildren) {
    if (decl?.type !== 'user_defined_function') continue;
    const name = decl.childForFieldName('name')!.text;
    const params = decl.namedChildren.find((c) => c?.type === 'parameters')!.namedChildren.map((p) => p!.namedChildren[0]!.text);
    const body = decl.namedChildren[decl.namedChildren.length - 1]!;
    functions[name] = (...args) => {
      if (args.length !== params.length) throw new Error(`${name} takes ${params.length} arguments`);
      return evaluate(body, Object.fromEntries(params.map((p, i) => [p, args[i]!])));
    };
  }
  return functions;
}
