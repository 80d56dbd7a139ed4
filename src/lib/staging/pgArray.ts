/**
 * PostgreSQL array literals (`{a,b,NULL}`) for the array parameters of bulk statements.
 *
 * pg turns a JS array parameter into the same text, but one concatenation at a time and with every
 * element quoted: for a 5,000-row upsert of time slots that was a third of all the bytes the import
 * allocated, and the garbage that made V8 grow its heap. Here each element is written once and the
 * literal is joined natively; an element is quoted only when the array syntax requires it.
 */

export type ArrayElement = string | number | boolean | null | undefined;

/** Elements that can go unquoted: no whitespace, braces, comma, quote or backslash. */
const BARE = /^[^\s{}",\\]+$/;

function element(v: ArrayElement): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v !== 'string') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`Valeur numérique invalide dans un tableau : ${v}`);
    return String(v);
  }
  // An unquoted NULL (any case) is the null element, and an empty unquoted element is a syntax error.
  if (BARE.test(v) && !(v.length === 4 && v.toUpperCase() === 'NULL')) return v;
  return `"${v.replace(/["\\]/g, '\\$&')}"`;
}

/** The literal of a one-dimensional array, to be cast by the statement (`$1::text[]`, `$2::int[]`…). */
export function arrayLiteral(values: readonly ArrayElement[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) parts[i] = element(values[i]);
  return `{${parts.join(',')}}`;
}
