import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import * as z from 'zod';
import {
  agentSchema,
  ALL_SCHEMAS,
  batigestSchema,
  batisimplySchema,
  companiesSchema,
  describeIssues,
  frenchIssue,
  geocodeSchema,
  keyVaultSchema,
  loadSettings,
  parseSection,
  processEnv,
  queueSchema,
  scheduleSchema,
  settingSources,
  stagingSchema,
  syncSchema,
} from '../../src/lib/config.js';
import { ConfigurationError } from '../../src/lib/errors.js';

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

describe('settings: every default, every bound, every message', () => {
  const BATIGEST = { BATIGEST_SQL_SERVER: 's', BATIGEST_SQL_DATABASE: 'd', BATIGEST_SQL_USER: 'u', BATIGEST_SQL_PASSWORD: 'p' };
  const BATISIMPLY = {
    BATISIMPLY_API_URL: 'https://api.example.fr',
    BATISIMPLY_TOKEN_URL: 'https://auth.example.fr/token',
    BATISIMPLY_CLIENT_ID: 'c',
    BATISIMPLY_USERNAME: 'u',
    BATISIMPLY_PASSWORD: 'p',
  };
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof ConfigurationError);
      assert.equal(e.code, 'CONFIG_INVALID');
      return e.message;
    }
    assert.fail('accepted');
  };

  test('each section’s defaults', () => {
    assert.deepEqual(parseSection(batigestSchema, BATIGEST, 'Batigest'), {
      ...BATIGEST,
      BATIGEST_SQL_PORT: 1433,
      BATIGEST_SQL_ENCRYPT: true,
      BATIGEST_SQL_TRUST_SERVER_CERTIFICATE: false,
      BATIGEST_SQL_SCHEMA: 'dbo',
      BATIGEST_SUIVIMO_TRAJET_COLUMN: 'NbH3',
      BATIGEST_SUIVIMO_PANIER_COLUMN: 'NbH4',
    });
    assert.deepEqual(parseSection(batisimplySchema, BATISIMPLY, 'BatiSimply'), {
      ...BATISIMPLY,
      BATISIMPLY_GRANT_TYPE: 'password',
      BATISIMPLY_CONCURRENCY: 8,
      BATISIMPLY_TIMEOUT_MS: 30_000,
      BATISIMPLY_MAX_RETRIES: 4,
      BATISIMPLY_PAGE_SIZE: 100,
      BATISIMPLY_CREATE_SETTLE_MS: 30_000,
    });
    assert.deepEqual(parseSection(syncSchema, {}, 'synchronisation'), {
      SYNC_TIMEZONE: 'Europe/Paris',
      HEURES_WINDOW_DAYS: 35,
      HEURES_CHUNK_DAYS: 7,
      HEURES_BATCH_SIZE: 1000,
      HEURES_MASS_DELETE_MAX_RATIO: 0.5,
      HEURES_MASS_DELETE_MIN: 20,
      CHANTIERS_BATCH_SIZE: 500,
      CHANTIERS_FIN_MODE: 'finished',
    });
    assert.deepEqual(parseSection(geocodeSchema, {}, 'géocodage'), {
      GEOCODE_ENABLED: false,
      GEOCODE_URL: 'https://api-adresse.data.gouv.fr',
      GEOCODE_MIN_SCORE: 0.6,
      GEOCODE_BATCH_FROM: 10,
      GEOCODE_TIMEOUT_MS: 20_000,
    });
    assert.deepEqual(parseSection(stagingSchema, {}, 'staging'), {
      STAGING_EMBEDDED_DIR: '.data/staging',
      RUN_HISTORY_DAYS: 90,
      STAGING_POOL_MAX: 7,
    });
    assert.deepEqual(parseSection(scheduleSchema, {}, 'planification'), {
      CHANTIERS_SCHEDULE: '0 */15 * * * *',
      HEURES_SCHEDULE: '0 0 * * * *',
    });
    assert.deepEqual(parseSection(agentSchema, {}, 'agent'), { BATIGEST_ACCESS: 'direct', AGENT_SILENCE_PERIODS: 3 });
    assert.deepEqual(parseSection(keyVaultSchema, {}, 'Key Vault'), {});
    assert.deepEqual(parseSection(companiesSchema, {}, 'sociétés'), {});
  });

  test('whole numbers within their bounds, said in French', () => {
    assert.equal(parseSection(syncSchema, { HEURES_WINDOW_DAYS: ' 366 ' }, 's').HEURES_WINDOW_DAYS, 366);
    assert.equal(parseSection(syncSchema, { HEURES_WINDOW_DAYS: '1' }, 's').HEURES_WINDOW_DAYS, 1);
    assert.equal(
      message(() => parseSection(syncSchema, { HEURES_WINDOW_DAYS: '0' }, 'synchronisation')),
      'Configuration synchronisation invalide : HEURES_WINDOW_DAYS invalide (au moins 1)',
    );
    assert.equal(
      message(() => parseSection(syncSchema, { HEURES_WINDOW_DAYS: '367' }, 'synchronisation')),
      'Configuration synchronisation invalide : HEURES_WINDOW_DAYS invalide (au plus 366)',
    );
    assert.equal(
      message(() => parseSection(syncSchema, { HEURES_CHUNK_DAYS: '1.5' }, 'synchronisation')),
      'Configuration synchronisation invalide : HEURES_CHUNK_DAYS invalide (nombre entier de 1 à 31 attendu)',
    );
    assert.equal(
      message(() => parseSection(syncSchema, { HEURES_MASS_DELETE_MAX_RATIO: '1.5' }, 's')),
      'Configuration s invalide : HEURES_MASS_DELETE_MAX_RATIO invalide (au plus 1)',
    );
    assert.equal(
      message(() => parseSection(syncSchema, { HEURES_MASS_DELETE_MAX_RATIO: 'x' }, 's')),
      'Configuration s invalide : HEURES_MASS_DELETE_MAX_RATIO invalide (nombre attendu)',
    );
    assert.equal(
      message(() => parseSection(syncSchema, { CHANTIERS_FIN_MODE: 'closed' }, 's')),
      'Configuration s invalide : CHANTIERS_FIN_MODE invalide (valeurs acceptées : finished, archived, none)',
    );
  });

  test('CHANTIERS_ETATS is a list, blanks dropped; blank is unset', () => {
    assert.deepEqual(parseSection(syncSchema, { CHANTIERS_ETATS: ' E, C ,,T ' }, 's').CHANTIERS_ETATS, ['E', 'C', 'T']);
    assert.equal(parseSection(syncSchema, { CHANTIERS_ETATS: '  ' }, 's').CHANTIERS_ETATS, undefined);
  });

  test('a text setting given empty is missing; several problems are named together, missing first said « incomplète »', () => {
    assert.equal(
      message(() => parseSection(batigestSchema, { ...BATIGEST, BATIGEST_SQL_SERVER: undefined, BATIGEST_SQL_PORT: '0' }, 'Batigest')),
      'Configuration Batigest incomplète : BATIGEST_SQL_SERVER manquant ; BATIGEST_SQL_PORT invalide (au moins 1)',
    );
    assert.equal(
      message(() => parseSection(batigestSchema, { ...BATIGEST, BATIGEST_SQL_SCHEMA: '1dbo' }, 'Batigest', (s) => `COMPANY_ACME__${s}`)),
      'Configuration Batigest invalide : COMPANY_ACME__BATIGEST_SQL_SCHEMA invalide (nom de colonne SQL attendu (lettres, chiffres, _))',
    );
    // A rule of the whole section that names a setting still says it is missing, with why.
    assert.equal(
      message(() => parseSection(batisimplySchema, { ...BATISIMPLY, BATISIMPLY_PASSWORD: undefined }, 'BatiSimply')),
      'Configuration BatiSimply incomplète : BATISIMPLY_PASSWORD manquant (requis avec BATISIMPLY_GRANT_TYPE=password)',
    );
  });

  test('the client_credentials grant needs no username nor password; the password grant needs both', () => {
    const cc = {
      ...BATISIMPLY,
      BATISIMPLY_USERNAME: undefined,
      BATISIMPLY_PASSWORD: undefined,
      BATISIMPLY_GRANT_TYPE: 'client_credentials',
    };
    assert.equal(parseSection(batisimplySchema, { ...cc, BATISIMPLY_CLIENT_SECRET: 'x' }, 'B').BATISIMPLY_GRANT_TYPE, 'client_credentials');
    assert.equal(
      message(() => parseSection(batisimplySchema, { ...BATISIMPLY, BATISIMPLY_USERNAME: undefined }, 'B')),
      'Configuration B incomplète : BATISIMPLY_USERNAME manquant (requis avec BATISIMPLY_GRANT_TYPE=password)',
    );
  });

  test('schedules need six NCRONTAB fields', () => {
    assert.equal(parseSection(scheduleSchema, { HEURES_SCHEDULE: ' 0 30 6 * * 1-5 ' }, 'p').HEURES_SCHEDULE, ' 0 30 6 * * 1-5 ');
    assert.equal(
      message(() => parseSection(scheduleSchema, { HEURES_SCHEDULE: '*/5 * * * *' }, 'planification')),
      'Configuration planification invalide : HEURES_SCHEDULE invalide (expression NCRONTAB à six champs attendue (seconde minute heure jour mois jour-de-semaine))',
    );
  });

  test('URLs: a PostgreSQL URL needs a server and a database and a known sslmode', () => {
    const staging = (url: string) => message(() => parseSection(stagingSchema, { STAGING_DATABASE_URL: url }, 'staging'));
    assert.equal(
      staging('mysql://x/y'),
      'Configuration staging invalide : STAGING_DATABASE_URL invalide (URL PostgreSQL attendue (postgresql://…))',
    );
    assert.equal(
      staging('postgresql://u@h:5432/'),
      'Configuration staging invalide : STAGING_DATABASE_URL invalide (nom de base manquant (postgresql://utilisateur@serveur:5432/base))',
    );
    assert.equal(
      staging('postgres://u@h/db?sslmode=on'),
      'Configuration staging invalide : STAGING_DATABASE_URL invalide (sslmode « on » inconnu (attendu : disable, allow, prefer, require, verify-ca, verify-full, no-verify))',
    );
    assert.equal(
      staging('postgresql://u@[::1/db'),
      'Configuration staging invalide : STAGING_DATABASE_URL invalide (URL illisible (postgresql://utilisateur@serveur:5432/base))',
    );
    for (const mode of ['disable', 'require', 'verify-full', 'no-verify'])
      assert.equal(
        parseSection(stagingSchema, { STAGING_DATABASE_URL: `postgresql://u@h/db?sslmode=${mode}` }, 's').STAGING_DATABASE_URL,
        `postgresql://u@h/db?sslmode=${mode}`,
      );
    assert.equal(
      message(() => parseSection(keyVaultSchema, { KEY_VAULT_URL: 'coffre' }, 'Key Vault')),
      'Configuration Key Vault invalide : KEY_VAULT_URL invalide (URL attendue (https://<coffre>.vault.azure.net))',
    );
    assert.equal(
      message(() => parseSection(geocodeSchema, { GEOCODE_URL: 'adresse' }, 'g')),
      'Configuration g invalide : GEOCODE_URL invalide (URL attendue (https://…))',
    );
    assert.equal(
      message(() => parseSection(queueSchema, { AzureWebJobsStorage__accountName: 'AB' }, 'q')),
      'Configuration q invalide : AzureWebJobsStorage__accountName invalide (nom de compte de stockage attendu)',
    );
  });

  test('a value of the wrong type is named by what was expected and what came, never the value', () => {
    // Zod leaves the input out of its issues unless asked: then only a missing value is « valeur attendue ».
    assert.equal(frenchIssue(z.string().safeParse(5).error!.issues[0]!), 'valeur attendue');
    assert.equal(frenchIssue(z.string().safeParse(5, { reportInput: true }).error!.issues[0]!), 'texte attendu');
    assert.equal(frenchIssue(z.object({ A: z.string() }).safeParse({}, { reportInput: true }).error!.issues[0]!), 'valeur attendue');
    const said = (schema: z.ZodType, input: unknown) => schema.safeParse(input).error!.issues[0]!.message;
    assert.equal(said(z.string(), 5), 'texte attendu, nombre reçu');
    assert.equal(said(z.number(), Number.NaN), 'nombre attendu, valeur non numérique reçue');
    assert.equal(said(z.number(), 'x'), 'nombre attendu, texte reçu');
    assert.equal(said(z.string(), undefined), 'texte attendu, rien reçu');
    assert.equal(said(z.string(), null), 'texte attendu, null reçu');
    assert.equal(said(z.string(), true), 'texte attendu, booléen reçu');
    assert.equal(said(z.string(), []), 'texte attendu, liste reçue');
    assert.equal(said(z.string(), {}), 'texte attendu, objet reçu');
    assert.equal(said(z.boolean(), 'x'), 'true ou false attendu, texte reçu');
    assert.equal(said(z.object({}), 'x'), 'objet JSON attendu, texte reçu');
    assert.equal(said(z.array(z.string()), 'x'), 'liste attendue, texte reçu');
    assert.equal(said(z.bigint(), 'x'), 'bigint attendu, texte reçu');
    assert.equal(said(z.record(z.string(), z.string()), 'x'), 'objet JSON attendu, texte reçu');
    // Other rules keep zod's French.
    assert.match(said(z.string().email(), 'x'), /^Entrée invalide|e-mail|adresse/i);
  });

  test('each rule broken, in plain French', () => {
    const first = (schema: z.ZodType, input: unknown) => frenchIssue(schema.safeParse(input).error!.issues[0]!);
    assert.equal(first(z.string(), undefined), 'valeur attendue');
    assert.equal(first(z.string().min(1), ''), 'valeur vide');
    assert.equal(first(z.number().min(3), 2), 'au moins 3');
    assert.equal(first(z.string().max(2), 'abc'), 'valeur trop longue');
    assert.equal(first(z.number().max(3), 4), 'au plus 3');
    assert.equal(first(z.enum(['a', 'b']), 'c'), 'valeurs acceptées : a, b');
    assert.equal(first(z.enum(['true', 'false', '1']), 'c'), 'true ou false attendu');
    assert.equal(first(z.enum(['true', 'x']), 'c'), 'valeurs acceptées : true, x');
    assert.equal(first(z.string().regex(/^a$/, 'un a attendu'), 'b'), 'un a attendu');
    assert.equal(first(z.string().regex(/^a$/), 'b'), 'Chaîne de caractères invalide : doit correspondre au motif /^a$/');
    // Zod's « Entrée/Format invalide… » say nothing of use: replaced.
    assert.equal(first(z.string().check(z.regex(/^a$/, 'Format à revoir')), 'b'), 'format invalide');
    assert.equal(first(z.string().check(z.regex(/^a$/, 'Entrée refusée')), 'b'), 'format invalide');
    assert.equal(first(z.string().check(z.regex(/^a$/, 'Invalid')), 'b'), 'format invalide');
    assert.equal(first(z.url(), 'b'), 'URL invalide');
    assert.equal(
      first(
        z.string().refine(() => false, 'refusé'),
        'b',
      ),
      'refusé',
    );
  });

  test('describeIssues: one part per setting however many rules it broke, and the section itself when no setting is named', () => {
    const issues = z
      .object({ A: z.string().min(3).regex(/^x/, 'commence par x') })
      .superRefine((_, ctx) => ctx.addIssue({ code: 'custom', message: 'ensemble incohérent' }))
      .safeParse({ A: 'ab' }).error!.issues;
    assert.equal(
      describeIssues('test', [...issues, ...issues], () => true),
      'Configuration test invalide : A invalide (valeur vide ; commence par x) ; test invalide (ensemble incohérent)',
    );
    const whole = z
      .object({})
      .refine(() => false, 'ensemble incohérent')
      .safeParse({}).error!.issues;
    assert.equal(
      describeIssues('test', whole, () => true),
      'Configuration test invalide : test invalide (ensemble incohérent)',
    );
    assert.equal(
      describeIssues('test', whole, () => false),
      'Configuration test incomplète : test manquant (ensemble incohérent)',
    );
  });
});

describe('local.settings.json and where each setting comes from', () => {
  const dirWith = (text: string | undefined) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'settings-'));
    if (text !== undefined) writeFileSync(path.join(dir, 'local.settings.json'), text);
    return dir;
  };

  test('no file: the environment alone', () => {
    const loaded = loadSettings(dirWith(undefined), { A: '1', B: ' ' });
    assert.deepEqual(loaded.env, { A: '1', B: ' ' });
    assert.equal(loaded.file, null);
    assert.deepEqual([...loaded.fromEnv], ['A']);
    assert.deepEqual([...loaded.fromFile], []);
  });

  test('the file fills what the environment leaves unset or blank; numbers and booleans read as text', () => {
    const dir = dirWith(JSON.stringify({ IsEncrypted: false, Values: { A: 'file', B: 'file', C: 3, D: true, E: '' } }));
    const loaded = loadSettings(dir, { A: 'env', B: '  ' });
    assert.deepEqual(loaded.env, { A: 'env', B: 'file', C: '3', D: 'true' });
    assert.equal(loaded.file, path.join(dir, 'local.settings.json'));
    assert.deepEqual([...loaded.fromEnv], ['A']);
    assert.deepEqual([...loaded.fromFile].sort(), ['B', 'C', 'D']);
    assert.deepEqual(loadSettings(dirWith('{}'), {}).env, {});
  });

  test('a malformed file is refused with where the JSON breaks', () => {
    const refused = (text: string) => {
      const dir = dirWith(text);
      try {
        loadSettings(dir, {});
      } catch (e) {
        assert.ok(e instanceof ConfigurationError);
        assert.equal(e.code, 'CONFIG_LOCAL_SETTINGS');
        return e.message.replace(path.join(dir, 'local.settings.json'), 'F');
      }
      return assert.fail('accepted');
    };
    assert.equal(
      refused('{\n  "Values": {\n    "A": "1",\n  }\n}'),
      'Fichier F illisible : JSON mal formé ligne 4, colonne 3 (une virgule, un guillemet ou une accolade manque souvent).',
    );
    assert.equal(
      refused(''),
      'Fichier F illisible : JSON mal formé (fin du fichier atteinte trop tôt : une accolade ou un guillemet manque).',
    );
    assert.equal(
      refused('{"Values": {"A": null, "B": [1]}}'),
      'Fichier F illisible : Values.A : texte, nombre ou booléen attendu ; Values.B : texte, nombre ou booléen attendu',
    );
    // A value of the wrong type is named as such, not as missing.
    assert.equal(refused('{"Values": 3}'), 'Fichier F illisible : Values : objet JSON attendu');
    assert.equal(refused('[1]'), 'Fichier F illisible : (racine) : objet JSON attendu');
  });

  test('each setting’s source: Key Vault for secrets when a vault is set, then the environment, the file, its default, or unset', () => {
    const sources = (loaded: Parameters<typeof settingSources>[0]) => new Map(settingSources(loaded).map((s) => [s.setting, s.source]));
    const plain = sources({
      env: {},
      file: null,
      fromEnv: new Set(['BATIGEST_SQL_SERVER']),
      fromFile: new Set(['BATIGEST_SQL_USER', 'BATIGEST_SQL_SERVER']),
    });
    assert.equal(plain.get('BATIGEST_SQL_SERVER'), 'environnement');
    assert.equal(plain.get('BATIGEST_SQL_USER'), 'local.settings.json');
    assert.equal(plain.get('BATIGEST_SQL_PORT'), 'défaut');
    assert.equal(plain.get('BATIGEST_SQL_DATABASE'), 'non défini');
    assert.equal(plain.get('BATISIMPLY_PASSWORD'), 'non défini');
    // An optional setting without a default is unset, not « défaut ».
    assert.equal(plain.get('CHANTIERS_ETATS'), 'non défini');
    assert.equal(plain.get('BATISIMPLY_GRANT_TYPE'), 'défaut', 'a setting of a refined section is listed too');
    assert.equal(plain.get('COMPANIES'), 'non défini');
    const vault = sources({
      env: { KEY_VAULT_URL: 'https://v.vault.azure.net' },
      file: null,
      fromEnv: new Set(['BATIGEST_SQL_PASSWORD']),
      fromFile: new Set(),
    });
    assert.equal(vault.get('BATIGEST_SQL_PASSWORD'), 'Key Vault');
    assert.equal(vault.get('STAGING_DATABASE_URL'), 'Key Vault');
    assert.equal(vault.get('BATIGEST_SQL_SERVER'), 'non défini');
    const blankVault = sources({ env: { KEY_VAULT_URL: ' ' }, file: null, fromEnv: new Set(), fromFile: new Set() });
    assert.equal(blankVault.get('BATIGEST_SQL_PASSWORD'), 'non défini');
    assert.equal(
      settingSources({ env: {}, file: null, fromEnv: new Set(), fromFile: new Set() }).length,
      Object.values(ALL_SCHEMAS).reduce(
        (n, s) =>
          n +
          Object.keys((('shape' in s ? s : (s as unknown as { def: { in: { shape: object } } }).def.in) as { shape: object }).shape).length,
        0,
      ),
    );
  });

  test('the process environment is a copy', () => {
    const env = processEnv();
    env.CONNECTEUR_TEST_ONLY = 'x';
    assert.equal(process.env.CONNECTEUR_TEST_ONLY, undefined);
    assert.equal(env.PATH, process.env.PATH);
  });
});

describe('settings: the shapes each value must have', () => {
  const refusal = (schema: z.ZodType, env: Record<string, string>) => {
    try {
      parseSection(schema, env, 's');
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepté';
  };

  test('whole numbers: a sign is read, anything after the digits is refused', () => {
    assert.equal(refusal(syncSchema, { HEURES_WINDOW_DAYS: '-1' }), 'Configuration s invalide : HEURES_WINDOW_DAYS invalide (au moins 1)');
    assert.equal(
      refusal(syncSchema, { HEURES_WINDOW_DAYS: '7j' }),
      'Configuration s invalide : HEURES_WINDOW_DAYS invalide (nombre entier de 1 à 366 attendu)',
    );
    assert.equal(
      refusal(syncSchema, { HEURES_WINDOW_DAYS: 'j7' }),
      'Configuration s invalide : HEURES_WINDOW_DAYS invalide (nombre entier de 1 à 366 attendu)',
    );
  });

  test('an SQL name: a plain identifier, whole', () => {
    const column = (v: string) =>
      refusal(batigestSchema, {
        BATIGEST_SQL_SERVER: 's',
        BATIGEST_SQL_DATABASE: 'd',
        BATIGEST_SQL_USER: 'u',
        BATIGEST_SQL_PASSWORD: 'p',
        BATIGEST_SQL_SCHEMA: v,
      });
    assert.equal(column('_sages2'), 'accepté');
    for (const bad of ['dbo;', 'x dbo', 'dbo.x', 'a'.repeat(129)])
      assert.match(column(bad), /BATIGEST_SQL_SCHEMA invalide \(nom de colonne SQL attendu/, bad);
    assert.equal(column('a'.repeat(128)), 'accepté');
  });

  test('a schedule has exactly six fields', () => {
    assert.equal(refusal(scheduleSchema, { CHANTIERS_SCHEDULE: '0 0 * * * *' }), 'accepté');
    for (const bad of ['0 0 * * * * *', 'x 0 0 * * * *', '0 0 * * *'])
      assert.match(refusal(scheduleSchema, { CHANTIERS_SCHEDULE: bad }), /CHANTIERS_SCHEDULE invalide \(expression NCRONTAB/, bad);
  });

  test('a storage account name: 3 to 24 lower-case letters and digits, whole', () => {
    assert.equal(refusal(queueSchema, { AzureWebJobsStorage__accountName: 'st01' }), 'accepté');
    for (const bad of ['s'.repeat(25), 'st-01', 'x st01', 'st01 x'])
      assert.match(refusal(queueSchema, { AzureWebJobsStorage__accountName: bad }), /nom de compte de stockage attendu/, bad);
    assert.match(
      refusal(queueSchema, { AzureWebJobsStorage__queueServiceUri: 'pas une url' }),
      /AzureWebJobsStorage__queueServiceUri invalide/,
    );
  });

  test('every sslmode PostgreSQL knows passes; a URL must start with the scheme and name its server', () => {
    for (const mode of ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'])
      assert.equal(refusal(stagingSchema, { STAGING_DATABASE_URL: `postgresql://u@h/db?sslmode=${mode}` }), 'accepté', mode);
    assert.equal(refusal(stagingSchema, { STAGING_DATABASE_URL: 'postgres://u@h/db' }), 'accepté');
    assert.match(refusal(stagingSchema, { STAGING_DATABASE_URL: 'x postgresql://u@h/db' }), /URL PostgreSQL attendue/);
    assert.equal(
      refusal(stagingSchema, { STAGING_DATABASE_URL: 'postgresql:///db' }),
      'Configuration s invalide : STAGING_DATABASE_URL invalide (serveur manquant (postgresql://utilisateur@serveur:5432/base))',
    );
  });

  test('BatiSimply: every rule is checked at once, even with another setting wrong', () => {
    const m = refusal(batisimplySchema, { BATISIMPLY_API_URL: 'ftp://x', BATISIMPLY_TOKEN_URL: 'https://t', BATISIMPLY_CLIENT_ID: 'c' });
    assert.match(m, /BATISIMPLY_API_URL invalide/);
    assert.match(m, /BATISIMPLY_USERNAME manquant \(requis avec BATISIMPLY_GRANT_TYPE=password\)/);
    assert.match(m, /BATISIMPLY_PASSWORD manquant \(requis avec BATISIMPLY_GRANT_TYPE=password\)/);
    const cc = refusal(batisimplySchema, {
      BATISIMPLY_API_URL: 'ftp://x',
      BATISIMPLY_TOKEN_URL: 'https://t',
      BATISIMPLY_CLIENT_ID: 'c',
      BATISIMPLY_GRANT_TYPE: 'client_credentials',
    });
    assert.match(cc, /BATISIMPLY_CLIENT_SECRET manquant \(requis avec BATISIMPLY_GRANT_TYPE=client_credentials\)/);
    assert.match(
      refusal(batisimplySchema, { BATISIMPLY_GRANT_TYPE: 'implicit' }),
      /BATISIMPLY_GRANT_TYPE invalide \(valeurs acceptées : password, client_credentials\)/,
    );
    assert.match(refusal(batisimplySchema, { BATISIMPLY_HEADQUARTER_ID: '0' }), /BATISIMPLY_HEADQUARTER_ID invalide/);
  });

  test('the agent’s settings', () => {
    assert.deepEqual(parseSection(agentSchema, { BATIGEST_ACCESS: 'agent', AGENT_SILENCE_PERIODS: '5' }, 'a'), {
      BATIGEST_ACCESS: 'agent',
      AGENT_SILENCE_PERIODS: 5,
    });
    assert.match(refusal(agentSchema, { BATIGEST_ACCESS: 'vpn' }), /valeurs acceptées : direct, agent/);
    assert.match(
      refusal(agentSchema, { ALERT_WEBHOOK_URL: 'file:///x' }),
      /ALERT_WEBHOOK_URL invalide \(URL http:\/\/ ou https:\/\/ attendue/,
    );
  });

  test('a time zone other than the default is checked against the IANA list', () => {
    assert.equal(parseSection(syncSchema, { SYNC_TIMEZONE: 'America/Cayenne' }, 's').SYNC_TIMEZONE, 'America/Cayenne');
    assert.equal(
      refusal(syncSchema, { SYNC_TIMEZONE: 'Mars/Olympus' }),
      'Configuration s invalide : SYNC_TIMEZONE invalide (fuseau horaire IANA inconnu (ex. Europe/Paris))',
    );
  });
});

describe('settings: real values pass', () => {
  test('names, users and passwords of any length; a score between 0 and 1', () => {
    const batigest = parseSection(
      batigestSchema,
      {
        BATIGEST_SQL_SERVER: 'sql.siege.local',
        BATIGEST_SQL_DATABASE: 'BATIGEST_SAGES',
        BATIGEST_SQL_USER: 'connecteur',
        BATIGEST_SQL_PASSWORD: 'Tres-Secret-77',
      },
      'Batigest',
    );
    assert.equal(batigest.BATIGEST_SQL_SERVER, 'sql.siege.local');
    const batisimply = parseSection(
      batisimplySchema,
      {
        BATISIMPLY_API_URL: 'https://api.batisimply.fr',
        BATISIMPLY_TOKEN_URL: 'https://sso.batisimply.fr/token',
        BATISIMPLY_CLIENT_ID: 'connecteur-sages',
        BATISIMPLY_CLIENT_SECRET: 'secret-du-client',
        BATISIMPLY_USERNAME: 'compte@sages.fr',
        BATISIMPLY_PASSWORD: 'Mot-De-Passe',
      },
      'BatiSimply',
    );
    assert.equal(batisimply.BATISIMPLY_USERNAME, 'compte@sages.fr');
    assert.equal(parseSection(agentSchema, { AGENT_STAGING_PASSWORD: 'mot-de-passe' }, 'a').AGENT_STAGING_PASSWORD, 'mot-de-passe');
    assert.equal(parseSection(geocodeSchema, { GEOCODE_MIN_SCORE: '0.5' }, 'g').GEOCODE_MIN_SCORE, 0.5);
    for (const bad of ['1.5', '-0.1'])
      assert.throws(() => parseSection(geocodeSchema, { GEOCODE_MIN_SCORE: bad }, 'g'), /GEOCODE_MIN_SCORE invalide/);
  });
});
