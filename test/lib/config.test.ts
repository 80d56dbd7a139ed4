import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batigestSchema, batisimplySchema, parseSection, syncSchema } from '../../src/lib/config.js';

test('a missing setting names itself', () => {
  assert.throws(
    () => parseSection(batigestSchema, { BATIGEST_SQL_SERVER: 'sql.local' }, 'Batigest'),
    (e: Error) => {
      assert.match(e.message, /BATIGEST_SQL_DATABASE manquant/);
      assert.match(e.message, /BATIGEST_SQL_USER manquant/);
      assert.match(e.message, /BATIGEST_SQL_PASSWORD manquant/);
      return true;
    },
  );
});

test('a malformed setting names itself, never its value', () => {
  assert.throws(
    () =>
      parseSection(
        batigestSchema,
        {
          BATIGEST_SQL_SERVER: 's',
          BATIGEST_SQL_DATABASE: 'd',
          BATIGEST_SQL_USER: 'u',
          BATIGEST_SQL_PASSWORD: 'Tres-Secret-77',
          BATIGEST_SQL_PORT: 'abc',
        },
        'Batigest',
      ),
    (e: Error) => /BATIGEST_SQL_PORT invalide/.test(e.message) && !e.message.includes('Tres-Secret-77'),
  );
});

test('defaults are visible: port 1433, TLS on, certificate checked, NbH3/NbH4', () => {
  const s = parseSection(
    batigestSchema,
    { BATIGEST_SQL_SERVER: 's', BATIGEST_SQL_DATABASE: 'd', BATIGEST_SQL_USER: 'u', BATIGEST_SQL_PASSWORD: 'p' },
    'Batigest',
  );
  assert.deepEqual(
    [
      s.BATIGEST_SQL_PORT,
      s.BATIGEST_SQL_ENCRYPT,
      s.BATIGEST_SQL_TRUST_SERVER_CERTIFICATE,
      s.BATIGEST_SUIVIMO_TRAJET_COLUMN,
      s.BATIGEST_SUIVIMO_PANIER_COLUMN,
    ],
    [1433, true, false, 'NbH3', 'NbH4'],
  );
});

test('an allowance column that is not a plain name is refused', () => {
  assert.throws(
    () =>
      parseSection(
        batigestSchema,
        {
          BATIGEST_SQL_SERVER: 's',
          BATIGEST_SQL_DATABASE: 'd',
          BATIGEST_SQL_USER: 'u',
          BATIGEST_SQL_PASSWORD: 'p',
          BATIGEST_SUIVIMO_PANIER_COLUMN: 'NbH4]; DROP TABLE x;--',
        },
        'Batigest',
      ),
    /BATIGEST_SUIVIMO_PANIER_COLUMN invalide/,
  );
});

test('grant password needs a username and a password', () => {
  assert.throws(
    () =>
      parseSection(
        batisimplySchema,
        { BATISIMPLY_API_URL: 'https://api.example', BATISIMPLY_TOKEN_URL: 'https://sso.example/t', BATISIMPLY_CLIENT_ID: 'c' },
        'BatiSimply',
      ),
    /BATISIMPLY_USERNAME.*BATISIMPLY_PASSWORD/,
  );
});

test('an unknown time zone is refused; Europe/Paris is the default', () => {
  assert.throws(() => parseSection(syncSchema, { SYNC_TIMEZONE: 'Europe/Lutece' }, 'sync'), /SYNC_TIMEZONE invalide/);
  assert.equal(parseSection(syncSchema, {}, 'sync').SYNC_TIMEZONE, 'Europe/Paris');
  assert.deepEqual(parseSection(syncSchema, { CHANTIERS_ETATS: 'E, T' }, 'sync').CHANTIERS_ETATS, ['E', 'T']);
});

test('a blank setting counts as unset: its default applies', () => {
  assert.equal(parseSection(syncSchema, { SYNC_TIMEZONE: '  ' }, 'sync').SYNC_TIMEZONE, 'Europe/Paris');
});

test('settings are parsed without compiling a fast path (zod JIT): parsed once, compiling costs more', async () => {
  const { z } = await import('zod');
  /** How many functions zod compiles (`new Function`) while `fn` runs. */
  const compiled = (fn: () => void) => {
    const real = globalThis.Function;
    let count = 0;
    globalThis.Function = new Proxy(real, {
      construct(target, args) {
        count++;
        return Reflect.construct(target, args);
      },
    });
    try {
      fn();
    } finally {
      globalThis.Function = real;
    }
    return count;
  };
  const section = () => z.object({ A_SETTING: z.string().default('a'), ANOTHER: z.coerce.number().int().default(1) });
  // The control: a plain parse of a fresh object schema does compile one, so the count can see it.
  assert.ok(compiled(() => section().safeParse({})) > 0);
  assert.equal(
    compiled(() => parseSection(section(), {}, 'essai')),
    0,
  );
  assert.deepEqual(parseSection(section(), { ANOTHER: '3' }, 'essai'), { A_SETTING: 'a', ANOTHER: 3 });
});
