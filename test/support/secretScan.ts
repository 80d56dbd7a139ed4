/** Looks for secrets in text in every form they take on the wire, and dumps a staging database as text. */
import escapeHtml from 'escape-html';
import type { Queryable } from '../../src/lib/staging/db.js';

/** Secrets built to break naive escaping: each holds & = " % \ + and a space. */
export const NASTY_SECRETS = {
  BATISIMPLY_CLIENT_SECRET: 'cs&k=v"%41\\+x y',
  BATISIMPLY_PASSWORD: 'pw%2B&a=b"c\\d+e f',
  BATIGEST_SQL_PASSWORD: 'sq"l&=%\\+ pass',
  STAGING_PASSWORD: 'pg&=%"\\+ pwd',
};

/** The encodings of `secret` a leak could take: raw, URL-encoded (%20 and +), JSON-escaped, HTML-escaped, base64 with a client id. */
export function wireForms(secret: string, clientId?: string): string[] {
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  const forms = [secret, encodeURIComponent(secret), form, JSON.stringify(secret).slice(1, -1), escapeHtml(secret)];
  if (clientId) forms.push(Buffer.from(`${clientId}:${secret}`).toString('base64'));
  return forms;
}

/** Each secret form found in `text`, named. */
export function findSecrets(text: string, secrets: Record<string, string>, clientId?: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    wireForms(secret, clientId).forEach((f, i) => {
      // Percent-escapes may come back in lower case (%2b).
      const hit = text.includes(f) || (f.includes('%') && text.toLowerCase().includes(f.toLowerCase()));
      if (hit) found.push(`${name} (forme ${i})`);
    });
  }
  return found;
}

/** Every table of the public schema, every row as text: what a pg_dump would carry. */
export async function dumpTables(db: Queryable): Promise<string> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const { rows } = await db.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
    parts.push(`-- ${name}`, ...rows.map((r) => r.row));
  }
  return parts.join('\n');
}
