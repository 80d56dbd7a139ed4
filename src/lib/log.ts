/**
 * Structured logging with secrets redacted by construction: every secret value the connector
 * reads is registered here, and every line is scrubbed of them before it reaches any sink
 * (console, Functions host, Application Insights). `redact` is also applied where text enters a
 * report, the run history or an answer, so an upstream that echoes a request cannot leak one.
 */

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;
export type Sink = (level: Level, message: string, fields: Fields) => void;

const secrets = new Set<string>();
let pattern: RegExp | undefined;

/** Values shorter than this are too common to mask safely (and are no real secret). */
const MIN_SECRET_LENGTH = 4;

export const MASK = '***';

export function registerSecret(value: string | undefined) {
  if (!value) return;
  const before = secrets.size;
  if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
  // A URL with a password in it is a secret, and so is the password alone (as written and decoded).
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const written = new URL(value).password;
      for (const password of [written, safeDecode(written)]) if (password.length >= MIN_SECRET_LENGTH) secrets.add(password);
    } catch {
      // not a URL after all
    }
  }
  if (secrets.size !== before) pattern = undefined;
}

/** Basic auth sends base64(`client:secret`): registered as a pair, the whole header value is masked. */
export function registerCredentialPair(clientId: string | undefined, secret: string | undefined) {
  if (!clientId || !secret) return;
  registerSecret(secret);
  registerSecret(Buffer.from(`${clientId}:${secret}`).toString('base64'));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const jsonEscaped = (text: string) => JSON.stringify(text).slice(1, -1);
const formEncoded = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);

/**
 * The base64 characters that depend on the secret's bytes only, at each of the three alignments
 * it can take inside a longer encoded value (`client:secret` in a Basic header): whatever comes
 * before or after it, these characters are in the encoding.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6));
    if (core.length >= MIN_SECRET_LENGTH) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

/** Every form a secret takes on the wire: raw, URL-encoded (%20 and +), JSON-escaped, base64. */
export function secretVariants(secret: string): string[] {
  const variants = new Set<string>();
  for (const form of [secret, encodeURIComponent(secret), formEncoded(secret), encodeURI(secret)]) {
    variants.add(form);
    variants.add(jsonEscaped(form));
    variants.add(jsonEscaped(jsonEscaped(form)));
  }
  for (const core of base64Cores(secret)) variants.add(core);
  return [...variants];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function secretPattern(): RegExp | undefined {
  if (secrets.size === 0) return undefined;
  if (!pattern) {
    const variants = [...new Set([...secrets].flatMap(secretVariants))].sort((a, b) => b.length - a.length);
    // Percent-escapes are case-insensitive on the wire (%2b = %2B).
    const sources = variants.map((v) =>
      escapeRegExp(v).replace(/%([0-9A-F])([0-9A-F])/g, (_, a: string, b: string) => `%[${a}${a.toLowerCase()}][${b}${b.toLowerCase()}]`),
    );
    pattern = new RegExp(sources.join('|'), 'g');
  }
  return pattern;
}

export function redact(text: string): string {
  const re = secretPattern();
  return re ? text.replace(re, MASK) : text;
}

/** Every string inside a value redacted (log fields, stored JSON). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

export function createLogger(sink: Sink, base: Fields = {}): Logger {
  const emit =
    (level: Level) =>
    (message: string, fields: Fields = {}) => {
      const merged = redactDeep(JSON.parse(JSON.stringify({ ...base, ...fields })) as Fields);
      sink(level, redact(message), merged);
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger(sink, { ...base, ...fields }),
  };
}

/** One JSON object per line on stderr: what the CLI and local runs print. */
export const jsonLinesSink: Sink = (level, message, fields) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
};

export const silentSink: Sink = () => {};
