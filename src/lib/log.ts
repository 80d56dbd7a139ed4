/**
 * Structured logging with secrets redacted by construction: every secret value the connector
 * reads is registered here, and every line is scrubbed of them before it reaches any sink
 * (console, Functions host, Application Insights).
 */

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;
export type Sink = (level: Level, message: string, fields: Fields) => void;

const secrets = new Set<string>();

/** Values shorter than this are too common to mask safely (and are no real secret). */
const MIN_SECRET_LENGTH = 4;

export function registerSecret(value: string | undefined) {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
  // A URL with a password in it is a secret, and so is the password alone.
  if (value && /^[a-z]+:\/\//i.test(value)) {
    try {
      const password = decodeURIComponent(new URL(value).password);
      if (password.length >= MIN_SECRET_LENGTH) secrets.add(password);
    } catch {
      // not a URL after all
    }
  }
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

export function createLogger(sink: Sink, base: Fields = {}): Logger {
  const emit = (level: Level) => (message: string, fields: Fields = {}) => {
    const merged = JSON.parse(redact(JSON.stringify({ ...base, ...fields }))) as Fields;
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
