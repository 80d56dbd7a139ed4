import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batigestSchema, batisimplySchema, geocodeSchema, parseSection, syncSchema } from '../../src/lib/config.js';

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

const BATISIMPLY = { BATISIMPLY_API_URL: 'https://api.example', BATISIMPLY_TOKEN_URL: 'https://sso.example/t', BATISIMPLY_CLIENT_ID: 'c' };

test('grant client_credentials without a client secret: refused, the secret named', () => {
  assert.throws(
    () => parseSection(batisimplySchema, { ...BATISIMPLY, BATISIMPLY_GRANT_TYPE: 'client_credentials' }, 'BatiSimply'),
    (e: Error) => {
      assert.equal(
        e.message,
        'Configuration BatiSimply incomplète : BATISIMPLY_CLIENT_SECRET manquant (requis avec BATISIMPLY_GRANT_TYPE=client_credentials)',
      );
      return true;
    },
  );
});

test('grant client_credentials with a client secret: accepted, no username or password needed', () => {
  const s = parseSection(
    batisimplySchema,
    { ...BATISIMPLY, BATISIMPLY_GRANT_TYPE: 'client_credentials', BATISIMPLY_CLIENT_SECRET: 's' },
    'BatiSimply',
  );
  assert.deepEqual([s.BATISIMPLY_GRANT_TYPE, s.BATISIMPLY_CLIENT_SECRET, s.BATISIMPLY_USERNAME], ['client_credentials', 's', undefined]);
});

test('a boolean setting: 1, true, TRUE, True read as true; 0, false, FALSE, False as false; unset is its default', () => {
  const read = (value: string | undefined) => parseSection(geocodeSchema, { GEOCODE_ENABLED: value }, 'géocodage').GEOCODE_ENABLED;
  assert.deepEqual(['1', 'true', 'TRUE', 'True', '0', 'false', 'FALSE', 'False', undefined].map(read), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
    false,
  ]);
  // A default of true: only an explicit false-like value turns it off.
  const encrypt = (value: string | undefined) =>
    parseSection(
      batigestSchema,
      {
        BATIGEST_SQL_SERVER: 's',
        BATIGEST_SQL_DATABASE: 'd',
        BATIGEST_SQL_USER: 'u',
        BATIGEST_SQL_PASSWORD: 'p',
        BATIGEST_SQL_ENCRYPT: value,
      },
      'Batigest',
    ).BATIGEST_SQL_ENCRYPT;
  assert.deepEqual(['1', '0', undefined].map(encrypt), [true, false, true]);
});

test('a boolean setting given as yes or 2: refused, named', () => {
  for (const value of ['yes', '2', 'on'])
    assert.throws(() => parseSection(geocodeSchema, { GEOCODE_ENABLED: value }, 'géocodage'), /GEOCODE_ENABLED invalide/);
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
