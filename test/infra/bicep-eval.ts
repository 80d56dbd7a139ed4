/**
 * Evaluates Bicep from its parse tree (tree-sitter-bicep): the user-defined functions of a file
 * (`func name(a string) T => expr`), and the variables of a template for given parameters. Only
 * the subset the templates use is evaluated; anything else throws, so a test never passes on
 * something it did not evaluate. `fail()` throws a BicepFailure carrying its message, as the
 * deployment would stop with it.
 *
 * tree-sitter-bicep reads `x => a[i].b` as `(x => a)[i].b`: a lambda whose body is a member or
 * index access must be written `x => (a[i].b)`. The evaluator refuses the misread form.
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

export type Value = string | number | boolean | null | Lambda | { [key: string]: Value } | Value[];
type Lambda = (...args: Value[]) => Value;
type Scope = Record<string, Value>;

/** A `fail('…')` reached during evaluation: the deployment would stop with this message. */
export class BicepFailure extends Error {}

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

const isObject = (v: Value): v is { [key: string]: Value } => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLambda = (v: Value): v is Lambda => typeof v === 'function';

function str(v: Value): string {
  if (typeof v !== 'string') throw new Error(`string expected, got ${JSON.stringify(v)}`);
  return v;
}
function num(v: Value): number {
  if (typeof v !== 'number') throw new Error(`int expected, got ${JSON.stringify(v)}`);
  return v;
}
function arr(v: Value): Value[] {
  if (!Array.isArray(v)) throw new Error(`array expected, got ${JSON.stringify(v)}`);
  return v;
}
function obj(v: Value): { [key: string]: Value } {
  if (!isObject(v)) throw new Error(`object expected, got ${JSON.stringify(v)}`);
  return v;
}
function fn(v: Value): Lambda {
  if (!isLambda(v)) throw new Error('lambda expected');
  return v;
}

/** ARM property names are case-insensitive. */
function property(o: { [key: string]: Value }, name: string): Value | undefined {
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

function equal(a: Value, b: Value): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function ipv4(text: string): number {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new BicepFailure(`adresse IPv4 invalide : ${text}`);
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}
const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

const BUILTINS: Record<string, (...args: Value[]) => Value> = {
  toLower: (s) => str(s).toLowerCase(),
  toUpper: (s) => str(s).toUpperCase(),
  replace: (s, from, to) => str(s).split(str(from)).join(str(to)),
  take: (s, n) => (Array.isArray(s) ? s.slice(0, Math.max(0, num(n))) : str(s).slice(0, Math.max(0, num(n)))),
  substring: (s, start, length) => {
    const text = str(s);
    const from = num(start);
    const count = length === undefined ? text.length - from : num(length);
    if (from < 0 || count < 0 || from + count > text.length) throw new Error(`substring out of range: ${text} ${from} ${count}`);
    return text.slice(from, from + count);
  },
  trim: (s) => str(s).trim(),
  // Uri.EscapeDataString: everything but A-Z a-z 0-9 - _ . ~ is escaped.
  uriComponent: (s) => encodeURIComponent(str(s)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  split: (s, sep) => str(s).split(str(sep)),
  join: (a, sep) => arr(a).map(str).join(str(sep)),
  empty: (s) => (s === null ? true : typeof s === 'string' || Array.isArray(s) ? s.length === 0 : Object.keys(obj(s)).length === 0),
  endsWith: (s, end) => str(s).toLowerCase().endsWith(str(end).toLowerCase()),
  startsWith: (s, start) => str(s).toLowerCase().startsWith(str(start).toLowerCase()),
  length: (s) => (typeof s === 'string' || Array.isArray(s) ? s.length : Object.keys(obj(s)).length),
  // Strings: case-sensitive; arrays: by value; objects: case-insensitive key (ARM's contains).
  contains: (c, v) =>
    typeof c === 'string' ? c.includes(str(v)) : Array.isArray(c) ? c.some((x) => equal(x, v)) : property(obj(c), str(v)) !== undefined,
  indexOf: (s, v) => (Array.isArray(s) ? s.findIndex((x) => equal(x, v)) : str(s).toLowerCase().indexOf(str(v).toLowerCase())),
  first: (a) => (typeof a === 'string' ? a.slice(0, 1) : (arr(a)[0] ?? null)),
  last: (a) => (typeof a === 'string' ? a.slice(-1) : (arr(a).at(-1) ?? null)),
  range: (start, count) => Array.from({ length: num(count) }, (_, i) => num(start) + i),
  concat: (...parts) => (parts.every((p) => typeof p === 'string') ? parts.join('') : parts.flatMap((p) => arr(p))),
  flatten: (a) => arr(a).flatMap((x) => arr(x)),
  union: (...parts) =>
    parts.every(Array.isArray)
      ? [...parts.flatMap((p) => arr(p))].filter((x, i, all) => all.findIndex((y) => equal(x, y)) === i)
      : Object.assign({}, ...parts.map(obj)),
  filter: (a, f) => arr(a).filter((x) => fn(f)(x) === true),
  map: (a, f) => arr(a).map((x) => fn(f)(x)),
  reduce: (a, initial, f) => arr(a).reduce((acc: Value, x) => fn(f)(acc, x), initial!),
  // ARM lists an object's entries in the order of their keys.
  items: (o) =>
    Object.entries(obj(o))
      .sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))
      .map(([key, value]) => ({ key, value })),
  toObject: (a, keyOf, valueOf) => Object.fromEntries(arr(a).map((x) => [str(fn(keyOf)(x)), valueOf === undefined ? x : fn(valueOf)(x)])),
  string: (v) => (typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 'True' : 'False') : JSON.stringify(v)),
  int: (v) => {
    const n = typeof v === 'number' ? v : Number(str(v));
    if (!Number.isInteger(n)) throw new Error(`int(): ${JSON.stringify(v)}`);
    return n;
  },
  min: (...v) => Math.min(...v.flatMap((x) => (Array.isArray(x) ? x.map(num) : [num(x)]))),
  max: (...v) => Math.max(...v.flatMap((x) => (Array.isArray(x) ? x.map(num) : [num(x)]))),
  parseCidr: (c) => {
    const [address, bits] = str(c).split('/');
    const prefix = Number(bits);
    if (!address || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new BicepFailure(`CIDR invalide : ${str(c)}`);
    const size = 2 ** (32 - prefix);
    const network = Math.floor(ipv4(address) / size) * size;
    return { network: dotted(network), broadcast: dotted(network + size - 1), cidr: prefix };
  },
  fail: (message) => {
    throw new BicepFailure(str(message));
  },
};

// Set apart: test/support/required.test.ts would read the property as a test's skip option.
BUILTINS.skip = (s, n) => (Array.isArray(s) ? s.slice(Math.max(0, num(n))) : str(s).slice(Math.max(0, num(n))));

function unsupported(node: Node): never {
  throw new Error(`unsupported Bicep expression (${node.type}): ${node.text.slice(0, 80)}`);
}

const named = (node: Node) => node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
const operator = (node: Node) => node.children.find((c) => c && !c.isNamed)?.text;

interface Context {
  scope: Scope;
  /** Identifiers outside the scope (a template's parameters, variables, imported functions), resolved on use. */
  resolve?: (name: string) => Value | undefined;
  functions: Record<string, Lambda>;
}

function lookup(name: string, context: Context): Value {
  if (name in context.scope) return context.scope[name]!;
  const resolved = context.resolve?.(name);
  if (resolved === undefined) throw new Error(`unknown identifier ${name}`);
  return resolved;
}

function call(name: string, argNodes: Node[], context: Context): Value {
  const args = argNodes.map((a) => evaluate(a, context));
  const own = context.functions[name];
  if (own) return own(...args);
  const builtin = BUILTINS[name];
  if (!builtin) throw new Error(`function ${name} is not evaluated by this test`);
  return builtin(...args);
}

function evaluate(node: Node, context: Context): Value {
  switch (node.type) {
    case 'string':
      return node.namedChildren
        .map((part) => {
          if (!part) return '';
          if (part.type === 'string_content') return part.text;
          if (part.type === 'escape_sequence') return JSON.parse(`"${part.text.replace("\\'", "'").replace('\\$', '$')}"`) as string;
          if (part.type === 'interpolation') {
            const value = evaluate(part.namedChildren[0]!, context);
            return typeof value === 'string' ? value : BUILTINS.string!(value);
          }
          return unsupported(part);
        })
        .join('');
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'null':
      return null;
    case 'identifier':
      return lookup(node.text, context);
    case 'parenthesized_expression': {
      const inner = named(node);
      if (inner.length !== 1) return unsupported(node);
      return evaluate(inner[0]!, context);
    }
    case 'lambda_expression': {
      const [head, body] = named(node);
      const params = head!.type === 'identifier' ? [head!.text] : named(head!).map((p) => p.text);
      return (...args: Value[]) =>
        evaluate(body!, { ...context, scope: { ...context.scope, ...Object.fromEntries(params.map((p, i) => [p, args[i] ?? null])) } });
    }
    case 'call_expression':
      return call(node.childForFieldName('function')!.text, named(node.childForFieldName('arguments')!), context);
    case 'member_expression': {
      const [target, prop] = named(node);
      if (target!.type === 'lambda_expression') throw new Error(`wrap the lambda body in parentheses: ${node.text.slice(0, 80)}`);
      const value = evaluate(target!, context);
      const safe = operator(node) === '.?';
      if (value === null && safe) return null;
      const found = property(obj(value), prop!.text);
      if (found === undefined) {
        if (safe) return null;
        throw new Error(`property ${prop!.text} missing in ${node.text.slice(0, 80)}`);
      }
      return found;
    }
    case 'subscript_expression': {
      const [target, index] = named(node);
      if (target!.type === 'lambda_expression') throw new Error(`wrap the lambda body in parentheses: ${node.text.slice(0, 80)}`);
      const value = evaluate(target!, context);
      const at = evaluate(index!, context);
      const found = Array.isArray(value) ? value[num(at)] : property(obj(value), str(at));
      if (found === undefined) throw new Error(`index ${JSON.stringify(at)} out of range in ${node.text.slice(0, 80)}`);
      return found;
    }
    case 'ternary_expression':
      return evaluate(node.childForFieldName('condition')!, context) === true
        ? evaluate(node.childForFieldName('consequence')!, context)
        : evaluate(node.childForFieldName('alternative')!, context);
    case 'unary_expression': {
      const value = evaluate(named(node)[0]!, context);
      if (operator(node) === '!') return !value;
      if (operator(node) === '-') return -num(value);
      return unsupported(node);
    }
    case 'binary_expression': {
      const op = operator(node);
      const left = () => evaluate(node.childForFieldName('left')!, context);
      const right = () => evaluate(node.childForFieldName('right')!, context);
      switch (op) {
        // ARM's and(), or() and coalesce() stop at the first decisive argument.
        case '&&':
          return left() === true && right() === true;
        case '||':
          return left() === true || right() === true;
        case '??': {
          const l = left();
          return l === null ? right() : l;
        }
        case '==':
          return equal(left(), right());
        case '!=':
          return !equal(left(), right());
        case '+':
          return num(left()) + num(right());
        case '-':
          return num(left()) - num(right());
        case '*':
          return num(left()) * num(right());
        case '/':
          return Math.trunc(num(left()) / num(right()));
        case '%':
          return num(left()) % num(right());
        case '<':
          return num(left()) < num(right());
        case '<=':
          return num(left()) <= num(right());
        case '>':
          return num(left()) > num(right());
        case '>=':
          return num(left()) >= num(right());
        default:
          return unsupported(node);
      }
    }
    case 'array': {
      // tree-sitter-bicep reads a call opening a multi-line array, `[\n  f(x)`, as the identifier
      // `f` then the parenthesized `(x)`: adjacent, they are the call.
      const items = named(node);
      const values: Value[] = [];
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        const next = items[i + 1];
        if (item.type === 'identifier' && next?.type === 'parenthesized_expression' && next.startIndex === item.endIndex) {
          values.push(call(item.text, named(next), context));
          i++;
        } else values.push(evaluate(item, context));
      }
      return values;
    }
    case 'object': {
      const result: Record<string, Value> = {};
      for (const prop of named(node)) {
        if (prop.type !== 'object_property') unsupported(prop);
        const [key, value] = named(prop);
        result[key!.type === 'string' ? str(evaluate(key!, context)) : key!.text] = evaluate(value!, context);
      }
      return result;
    }
    default:
      return unsupported(node);
  }
}

async function parse(source: string): Promise<Node> {
  const tree = (await bicepParser()).parse(source)!;
  if (tree.rootNode.hasError) throw new Error('the Bicep source does not parse');
  return tree.rootNode;
}

/**
 * The user-defined functions of a Bicep source, callable from TypeScript. Like Bicep, a
 * function sees only its own parameters; it calls built-in functions and the file's other
 * functions (allowed since Bicep 0.23, Azure/bicep#12145).
 */
export async function bicepFunctions(source: string): Promise<Record<string, Lambda>> {
  const root = await parse(source);
  const functions: Record<string, Lambda> = {};
  for (const decl of named(root)) {
    if (decl.type !== 'user_defined_function') continue;
    const name = decl.childForFieldName('name')!.text;
    const params = named(named(decl).find((c) => c.type === 'parameters')!).map((p) => named(p)[0]!.text);
    const body = named(decl).at(-1)!;
    functions[name] = (...args) => {
      if (args.length !== params.length) throw new Error(`${name} takes ${params.length} arguments`);
      return evaluate(body, { scope: Object.fromEntries(params.map((p, i) => [p, args[i]!])), functions });
    };
  }
  return functions;
}

export interface Template {
  /** The template's `param` declarations: type and default expression (unevaluated). */
  params: Map<string, { type: string; default?: Node; decorators: string[] }>;
  /** The value of a variable, for the given parameter values (defaults for the others). */
  variable(name: string, params?: Record<string, Value>): Value;
}

/**
 * A template's variables, evaluated on demand for given parameters: a variable that calls
 * something outside the evaluated subset (subscription(), a resource) throws only when read.
 * Functions imported from other files (`import { f } from 'x.bicep'`) are loaded from `file`'s folder.
 */
export async function bicepTemplate(file: string): Promise<Template> {
  const root = await parse(await readFile(file, 'utf8'));
  const imported: Record<string, Lambda> = {};
  for (const decl of named(root)) {
    if (decl.type !== 'import_functionality') continue;
    const from = named(decl).find((c) => c.type === 'string')!;
    const names = named(decl)
      .filter((c) => c.type === 'identifier')
      .map((c) => c.text);
    const functions = await bicepFunctions(
      await readFile(path.join(path.dirname(file), str(evaluate(from, { scope: {}, functions: {} }))), 'utf8'),
    );
    for (const n of names) if (functions[n]) imported[n] = functions[n];
  }
  const params = new Map<string, { type: string; default?: Node; decorators: string[] }>();
  const variables = new Map<string, Node>();
  let decorators: string[] = [];
  for (const decl of named(root)) {
    if (decl.type === 'decorators') {
      decorators = named(decl).map((d) => d.text);
      continue;
    }
    if (decl.type === 'parameter_declaration') {
      const [name, type, value] = named(decl);
      params.set(name!.text, { type: type!.text, default: value, decorators });
    }
    if (decl.type === 'variable_declaration') {
      const [name, value] = named(decl);
      variables.set(name!.text, value!);
    }
    decorators = [];
  }
  return {
    params,
    variable(name, given = {}) {
      const cache = new Map<string, Value>();
      const context: Context = {
        scope: {},
        functions: imported,
        resolve: (id) => {
          if (id in given) return given[id];
          if (cache.has(id)) return cache.get(id);
          const source = variables.get(id) ?? params.get(id)?.default;
          if (!source) return undefined;
          const value = evaluate(source, context);
          cache.set(id, value);
          return value;
        },
      };
      const value = context.resolve!(name);
      if (value === undefined) throw new Error(`no variable ${name}`);
      return value;
    },
  };
}
