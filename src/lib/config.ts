/**
 * Settings, validated once at the edge with zod. Every default is visible on the schemas below.
 * Each job validates only the sections it uses (`transfer-batisimply` runs without any Batigest
 * setting). This is the only module that reads `process.env`.
 *
 * Secret settings (passwords, client secret, staging URL) are resolved through a SecretSource:
 * Key Vault when KEY_VAULT_URL is set, else the environment. Their values never appear in errors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { fr } from 'zod/locales';
import { ConfigurationError } from './errors.js';

// Operators read French: zod's own messages (types, formats) come in French too, and a wrong type
// in words that agree ("texte attendu, nombre reçu", not "chaîne de caractères reçu" or "NaN reçu").
const zodFrench = fr();
z.config({
  localeError: (issue) =>
    issue.code === 'invalid_type' ? `${expectedType(issue.expected)}, ${receivedType(issue.input)}` : zodFrench.localeError!(issue),
});

export type Env = Record<string, string | undefined>;

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'TRUE', 'FALSE', 'True', 'False'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v.toLowerCase() === 'true' || v === '1'));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, `nombre entier de ${min} à ${max} attendu`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((v) => v ?? fallback);

const DEFAULT_TIME_ZONE = 'Europe/Paris';

// The first Intl.DateTimeFormat of a process costs tens of milliseconds (ICU's date data): a CLI
// run that converts no time does not pay it to learn that the default zone exists.
const timeZone = z
  .string()
  .optional()
  .default(DEFAULT_TIME_ZONE)
  .refine((tz) => {
    if (tz === DEFAULT_TIME_ZONE) return true;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'fuseau horaire IANA inconnu (ex. Europe/Paris)');

/** SQL Server identifiers a deployment may override: plain names only, never SQL text. */
const columnName = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'nom de colonne SQL attendu (lettres, chiffres, _)')
    .optional()
    .default(fallback);

const csv = z
  .string()
  .optional()
  .transform((v) =>
    v === undefined || v.trim() === ''
      ? undefined
      : v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
  );

/** Only http: and https: are URLs the connector can call (ftp:, javascript:, file: are refused here, not later). */
const httpUrl = (example: string) => z.url({ protocol: /^https?$/, error: `URL http:// ou https:// attendue (${example})` });

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/**
 * Azure's built-in PgBouncer listens on 6432 and pools by transaction: a job lock (a session's
 * advisory lock) and a company's search_path would not stay with the session that set them.
 */
const PGBOUNCER_PORT = '6432';

/** A PostgreSQL URL names its server and its database; its sslmode is one PostgreSQL knows. */
function checkPostgresUrl(value: string, ctx: z.core.$RefinementCtx<string>) {
  // Not a PostgreSQL URL at all: the regex said so, once is enough.
  if (!/^postgres(ql)?:\/\//.test(value)) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return void ctx.addIssue({ code: 'custom', message: 'URL illisible (postgresql://utilisateur@serveur:5432/base)' });
  }
  if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'serveur manquant (postgresql://utilisateur@serveur:5432/base)' });
  if (url.port === PGBOUNCER_PORT)
    ctx.addIssue({
      code: 'custom',
      message:
        'port 6432 : c’est le PgBouncer d’Azure, qui regroupe les connexions par transaction et perdrait les verrous des jobs et le schéma de chaque société ; le connecteur se connecte en direct au serveur, port 5432',
    });
  if (url.pathname.replace(/^\//, '') === '')
    ctx.addIssue({ code: 'custom', message: 'nom de base manquant (postgresql://utilisateur@serveur:5432/base)' });
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    ctx.addIssue({ code: 'custom', message: `sslmode « ${sslmode} » inconnu (attendu : ${SSL_MODES.join(', ')})` });
  }
}

/**
 * The runs one instance executes at once: host.json's queues `batchSize` plus `newBatchThreshold`
 * (the host fetches a new batch when fewer than the threshold remain). A test pins it to host.json.
 */
export const RUNS_AT_ONCE = 6;

export const stagingSchema = z.object({
  STAGING_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'URL PostgreSQL attendue (postgresql://…)')
    .superRefine(checkPostgresUrl)
    .optional(),
  /** Embedded PostgreSQL (PGlite) directory used when no STAGING_DATABASE_URL is set: local runs only. */
  STAGING_EMBEDDED_DIR: z.string().optional().default('.data/staging'),
  RUN_HISTORY_DAYS: int(90, 1, 3650),
  /**
   * Query connections of the process's one staging pool, shared by every company (job locks sit on
   * one more session of their own). A run uses one at a time: the default lets every run an
   * instance takes at once query together, plus one for the HTTP reads (docs/queue.md).
   */
  STAGING_POOL_MAX: int(RUNS_AT_ONCE + 1, 3, 100),
  /**
   * A run still `queued` after this long is past its last possible delivery: its message is lost
   * (process died between the insert and the send, or the host gave up). host.json allows
   * maxDequeueCount (5) deliveries, each a failing attempt (staging connection and retries, at
   * most ~5 min) then the visibility timeout (30 s): 5 × 5.5 min ≈ 28 min, rounded up.
   */
  RUN_QUEUED_MAX_MINUTES: int(30, 5, 1440),
});

/** Company names (`COMPANIES=acme,beta`); unset: the single company `default` on the flat settings. */
export const companiesSchema = z.object({
  COMPANIES: z
    .string()
    .optional()
    .transform((v) =>
      v === undefined
        ? undefined
        : v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
    )
    .pipe(
      z
        .array(
          // A dash at the end or doubled would make COMPANY_ACME___… settings that no longer split at `__`.
          z
            .string()
            .max(30, 'nom de société de 30 caractères au plus')
            .regex(
              /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/,
              'noms de société en minuscules, chiffres et tirets simples, commençant par une lettre (ex. acme,beta-btp)',
            ),
        )
        .refine((names) => new Set(names).size === names.length, 'nom de société en double')
        .optional(),
    ),
});

/**
 * The Functions host's storage, where run messages are queued: a connection string (Azurite,
 * `UseDevelopmentStorage=true`) or, in Azure, the identity-based settings the host itself reads.
 * Host settings, set by functionapp.bicep: not in ALL_SCHEMAS.
 */
export const queueSchema = z.object({
  AzureWebJobsStorage: z.string().optional(),
  AzureWebJobsStorage__queueServiceUri: z.url().optional(),
  AzureWebJobsStorage__accountName: z
    .string()
    .regex(/^[a-z0-9]{3,24}$/, 'nom de compte de stockage attendu')
    .optional(),
  AzureWebJobsStorage__clientId: z.string().optional(),
});

export const batigestSchema = z.object({
  BATIGEST_SQL_SERVER: z.string().min(1),
  BATIGEST_SQL_PORT: int(1433, 1, 65535),
  BATIGEST_SQL_DATABASE: z.string().min(1),
  BATIGEST_SQL_USER: z.string().min(1),
  BATIGEST_SQL_PASSWORD: z.string().min(1),
  BATIGEST_SQL_ENCRYPT: bool(true),
  BATIGEST_SQL_TRUST_SERVER_CERTIFICATE: bool(false),
  BATIGEST_SQL_SCHEMA: columnName('dbo'),
  BATIGEST_SUIVIMO_TRAJET_COLUMN: columnName('NbH3'),
  BATIGEST_SUIVIMO_PANIER_COLUMN: columnName('NbH4'),
});

export const batisimplySchema = z
  .object({
    BATISIMPLY_API_URL: httpUrl('https://…'),
    BATISIMPLY_TOKEN_URL: httpUrl('https://…/protocol/openid-connect/token'),
    BATISIMPLY_GRANT_TYPE: z.enum(['password', 'client_credentials']).optional().default('password'),
    BATISIMPLY_CLIENT_ID: z.string().min(1),
    BATISIMPLY_CLIENT_SECRET: z.string().min(1).optional(),
    BATISIMPLY_USERNAME: z.string().min(1).optional(),
    BATISIMPLY_PASSWORD: z.string().min(1).optional(),
    BATISIMPLY_HEADQUARTER_ID: z.coerce.number().int().positive().optional(),
    BATISIMPLY_CONCURRENCY: int(8, 1, 64),
    BATISIMPLY_TIMEOUT_MS: int(30_000, 100, 600_000),
    BATISIMPLY_MAX_RETRIES: int(4, 0, 10),
    BATISIMPLY_PAGE_SIZE: int(100, 1, 1000),
    // After a create whose answer was lost, how long past its timeout it may still be applied.
    BATISIMPLY_CREATE_SETTLE_MS: int(30_000, 0, 600_000),
  })
  // `when`: checked even when other settings are wrong, so every missing one is named at once.
  .refine((s) => grantType(s) !== 'password' || !!s.BATISIMPLY_USERNAME, {
    path: ['BATISIMPLY_USERNAME'],
    message: 'requis avec BATISIMPLY_GRANT_TYPE=password',
    when: () => true,
  })
  .refine((s) => grantType(s) !== 'password' || !!s.BATISIMPLY_PASSWORD, {
    path: ['BATISIMPLY_PASSWORD'],
    message: 'requis avec BATISIMPLY_GRANT_TYPE=password',
    when: () => true,
  })
  .refine((s) => grantType(s) !== 'client_credentials' || !!s.BATISIMPLY_CLIENT_SECRET, {
    path: ['BATISIMPLY_CLIENT_SECRET'],
    message: 'requis avec BATISIMPLY_GRANT_TYPE=client_credentials',
    when: () => true,
  });

function grantType(s: { BATISIMPLY_GRANT_TYPE?: string }): string {
  return s.BATISIMPLY_GRANT_TYPE ?? 'password';
}

export const syncSchema = z.object({
  SYNC_TIMEZONE: timeZone,
  HEURES_WINDOW_DAYS: int(35, 1, 366),
  /** recup-heures asks BatiSimply for at most this many days at once, so no answer is huge. */
  HEURES_CHUNK_DAYS: int(7, 1, 31),
  /** Hours per SQL Server transaction of heures-to-sqlserver (its requests stay under 2,100 parameters whatever the size). */
  HEURES_BATCH_SIZE: int(1000, 1, 5000),
  /**
   * recup-heures holds its deletions (until confirmed with --allow-mass-delete) when it would mark
   * deleted more than this share of the window's staged slots, and at least HEURES_MASS_DELETE_MIN.
   * An empty answer from BatiSimply (an outage, a wrong account) must not erase SuiviMO.
   */
  HEURES_MASS_DELETE_MAX_RATIO: z.coerce.number().min(0).max(1).optional().default(0.5),
  HEURES_MASS_DELETE_MIN: int(20, 1, 1_000_000),
  CHANTIERS_BATCH_SIZE: int(500, 1, 5000),
  /** ChantierDef.Etat values to sync; unset: all. */
  CHANTIERS_ETATS: csv,
  /**
   * What a chantier deleted from Batigest (or whose Etat left CHANTIERS_ETATS) becomes in
   * BatiSimply: `finished` (isFinished), `archived` (isArchived), or `none` (left open).
   */
  CHANTIERS_FIN_MODE: z.enum(['finished', 'archived', 'none']).optional().default('finished'),
});

/** Geocoding of chantier addresses with the Base Adresse Nationale, for BatiSimply's clock-in point. */
export const geocodeSchema = z.object({
  /** Off unless asked: it sends the chantiers' addresses to a public service. */
  GEOCODE_ENABLED: bool(false),
  GEOCODE_URL: z.url({ error: 'URL attendue (https://…)' }).optional().default('https://api-adresse.data.gouv.fr'),
  /** A point is sent to BatiSimply only when the geocoder's score reaches this (0 to 1). */
  GEOCODE_MIN_SCORE: z.coerce.number().min(0).max(1).optional().default(0.6),
  /** From this many addresses on, one CSV batch request instead of one search per address. */
  GEOCODE_BATCH_FROM: int(10, 1, 100_000),
  GEOCODE_TIMEOUT_MS: int(20_000, 100, 600_000),
});

/**
 * NCRONTAB as the Functions timers read it: six fields, seconds first. The agent computes its runs
 * from the same text (croner, in agent/schedule.ts); this only turns away what cannot be one.
 */
const ncrontab = (fallback: string) =>
  z
    .string()
    .regex(/^\s*\S+(\s+\S+){5}\s*$/, 'expression NCRONTAB à six champs attendue (seconde minute heure jour mois jour-de-semaine)')
    .optional()
    .default(fallback);

/** Read by the Functions host through %NAME% in the timer bindings, and by `connecteur agent`. */
export const scheduleSchema = z.object({
  CHANTIERS_SCHEDULE: ncrontab('0 */15 * * * *'),
  HEURES_SCHEDULE: ncrontab('0 0 * * * *'),
});

/**
 * Where Batigest lives (issue "Where Batigest lives"): `direct`, this process reaches SQL Server;
 * `agent`, an agent on site runs the steps that touch Batigest. Set by the Bicep
 * (batigestAccess: vpn → direct, agent → agent).
 */
export const agentSchema = z.object({
  BATIGEST_ACCESS: z.enum(['direct', 'agent']).optional().default('direct'),
  /** The agent is silent after this many periods of its shortest schedule without a heartbeat. */
  AGENT_SILENCE_PERIODS: int(3, 1, 100),
  /** A timer's job with no successful run for this many periods of its schedule is alerted on (event job.no-success). */
  ALERT_NO_SUCCESS_PERIODS: int(3, 1, 100),
  /** Where failed runs, held hours and a silent agent are posted (a secret: Key Vault alert-webhook-url). */
  ALERT_WEBHOOK_URL: httpUrl('https://…').optional(),
  /** Password of the agent's PostgreSQL role, connecteur_agent (a secret: Key Vault agent-staging-password). */
  AGENT_STAGING_PASSWORD: z.string().min(1).optional(),
});

export const keyVaultSchema = z.object({
  KEY_VAULT_URL: z.url({ error: 'URL attendue (https://<coffre>.vault.azure.net)' }).optional(),
  /** Client id of the user-assigned managed identity, when the app runs with one. */
  AZURE_CLIENT_ID: z.string().optional(),
});

export type StagingSettings = z.output<typeof stagingSchema>;
export type BatigestSettings = z.output<typeof batigestSchema>;
export type BatisimplySettings = z.output<typeof batisimplySchema>;
export type SyncSettings = z.output<typeof syncSchema>;
export type KeyVaultSettings = z.output<typeof keyVaultSchema>;
export type GeocodeSettings = z.output<typeof geocodeSchema>;
export type QueueSettings = z.output<typeof queueSchema>;
export type ScheduleSettings = z.output<typeof scheduleSchema>;
export type AgentSettings = z.output<typeof agentSchema>;

/** Settings whose value is a secret: taken from Key Vault when one is configured. */
export const SECRET_SETTINGS = {
  BATIGEST_SQL_PASSWORD: 'batigest-sql-password',
  BATISIMPLY_CLIENT_SECRET: 'batisimply-client-secret',
  BATISIMPLY_PASSWORD: 'batisimply-password',
  STAGING_DATABASE_URL: 'staging-database-url',
  ALERT_WEBHOOK_URL: 'alert-webhook-url',
  AGENT_STAGING_PASSWORD: 'agent-staging-password',
} as const;

export type SecretSetting = keyof typeof SECRET_SETTINGS;

/** Secrets of the deployment, not of a company: one name in Key Vault whatever the company. */
export const SHARED_SECRET_SETTINGS: readonly SecretSetting[] = ['STAGING_DATABASE_URL', 'ALERT_WEBHOOK_URL', 'AGENT_STAGING_PASSWORD'];

/** Every schema, for documentation and the settings drift check. */
export const ALL_SCHEMAS = {
  staging: stagingSchema,
  batigest: batigestSchema,
  batisimply: batisimplySchema,
  sync: syncSchema,
  schedule: scheduleSchema,
  keyVault: keyVaultSchema,
  geocode: geocodeSchema,
  companies: companiesSchema,
  agent: agentSchema,
} as const;

/** `named`: the name an operator sets for a setting (a company's own ones carry its prefix). */
export function parseSection<S extends z.ZodType>(schema: S, env: Env, section: string, named?: (setting: string) => string): z.output<S> {
  // A blank app setting (or local.settings.json value) means "not set": its default applies.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  // Without zod's compiled fast path: a section is parsed once or twice per run, and compiling
  // one per schema cost a CLI start more than all its parsing (about 8 of its 120 ms).
  // reportInput: a value of the wrong type (HEURES_MASS_DELETE_MAX_RATIO=x) reads « nombre attendu », not
  // « valeur attendue », which is for a missing one; the message names the type received, never the value.
  const result = schema.safeParse(present, { jitless: true, reportInput: true });
  if (result.success) return result.data;
  throw new ConfigurationError(
    describeIssues(section, result.error.issues, (name) => present[name] !== undefined, named),
    {
      code: 'CONFIG_INVALID',
    },
  );
}

/**
 * "Configuration <section> incomplète : A manquant ; B invalide (…)", one part per setting however
 * many rules it broke, each in plain French. `named` turns a setting into the name the operator
 * sets (a company's own setting is `COMPANY_ACME__…`); values are never quoted, a secret could be one.
 */
export function describeIssues(
  section: string,
  issues: readonly z.core.$ZodIssue[],
  isSet: (name: string) => boolean,
  named: (name: string) => string = (name) => name,
): string {
  const bySetting = new Map<string, string[]>();
  for (const issue of issues) {
    const name = String(issue.path[0] ?? section);
    const reasons = bySetting.get(name) ?? [];
    const reason = frenchIssue(issue);
    if (!reasons.includes(reason)) reasons.push(reason);
    bySetting.set(name, reasons);
  }
  let missing = false;
  const problems = [...bySetting].map(([name, reasons]) => {
    const shown = named(name);
    if (!isSet(name)) {
      missing = true;
      const custom = reasons.filter((r) => r !== 'valeur attendue');
      return custom.length > 0 ? `${shown} manquant (${custom.join(' ; ')})` : `${shown} manquant`;
    }
    return `${shown} invalide (${reasons.join(' ; ')})`;
  });
  return `Configuration ${section} ${missing ? 'incomplète' : 'invalide'} : ${problems.join(' ; ')}`;
}

function expectedType(expected: string): string {
  return TYPE_FR[expected] ?? `${expected} attendu`;
}

/** What was given instead, named without quoting it (it may be a secret). */
function receivedType(input: unknown): string {
  if (input === undefined) return 'rien reçu';
  if (input === null) return 'null reçu';
  if (typeof input === 'number') return Number.isNaN(input) ? 'valeur non numérique reçue' : 'nombre reçu';
  if (typeof input === 'string') return 'texte reçu';
  if (typeof input === 'boolean') return 'booléen reçu';
  if (Array.isArray(input)) return 'liste reçue';
  return 'objet reçu';
}

const TYPE_FR: Record<string, string> = {
  number: 'nombre attendu',
  int: 'nombre entier attendu',
  string: 'texte attendu',
  boolean: 'true ou false attendu',
  object: 'objet JSON attendu',
  record: 'objet JSON attendu',
  array: 'liste attendue',
};

/** One rule a value broke, in French: zod's own messages read "chaîne de caractères reçu" and "NaN reçu". */
export function frenchIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'valeur attendue' : expectedType(issue.expected);
    case 'too_small':
      return issue.origin === 'string' ? 'valeur vide' : `au moins ${Number(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? 'valeur trop longue' : `au plus ${Number(issue.maximum)}`;
    case 'invalid_value': {
      const values = issue.values.map(String);
      if (values.includes('true') && values.includes('false')) return 'true ou false attendu';
      return `valeurs acceptées : ${values.join(', ')}`;
    }
    case 'invalid_format':
      return issue.message && !/^(Entrée|Format|Invalid)/.test(issue.message) ? issue.message : 'format invalide';
    default:
      return issue.message;
  }
}

/** The process environment, read here and nowhere else. */
export function processEnv(): Env {
  return { ...process.env };
}

export type SettingSource = 'environnement' | 'local.settings.json' | 'Key Vault' | 'défaut' | 'non défini';

export interface LoadedSettings {
  /** The environment over the file's `Values`, as `func start` does. */
  env: Env;
  /** The file that was read, or null when there is none. */
  file: string | null;
  fromFile: ReadonlySet<string>;
  fromEnv: ReadonlySet<string>;
}

const localSettingsSchema = z.object({ Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() });

/**
 * The settings of a local command: the environment, then `local.settings.json` (in `dir`) for
 * what the environment leaves unset. Blank values count as unset, like the Functions host does.
 */
export function loadSettings(dir: string = process.cwd(), environment: Env = processEnv()): LoadedSettings {
  const file = path.resolve(dir, 'local.settings.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { env: environment, file: null, fromFile: new Set(), fromEnv: setKeys(environment) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`Fichier ${file} illisible : JSON mal formé ${jsonErrorPlace(text, error)}.`, {
      code: 'CONFIG_LOCAL_SETTINGS',
      cause: error,
    });
  }
  // With the input in each issue, a value of the wrong type reads « objet JSON attendu », not « valeur attendue »
  // (only a missing one is that); the message names the type received, never the value.
  const result = localSettingsSchema.safeParse(json, { reportInput: true });
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.join('.') || '(racine)'} : ${i.code === 'invalid_union' ? 'texte, nombre ou booléen attendu' : frenchIssue(i)}`)
      .join(' ; ');
    throw new ConfigurationError(`Fichier ${file} illisible : ${detail}`, { code: 'CONFIG_LOCAL_SETTINGS' });
  }
  const parsed = result.data;
  const values: Env = Object.fromEntries(Object.entries(parsed.Values ?? {}).map(([k, v]) => [k, String(v)]));
  const fromEnv = setKeys(environment);
  const fromFile = new Set([...setKeys(values)].filter((k) => !fromEnv.has(k)));
  const env: Env = { ...environment };
  for (const k of fromFile) env[k] = values[k];
  return { env, file, fromFile, fromEnv };
}

/** "ligne 3, colonne 14" of a JSON.parse error: V8 gives a character position, editors show lines. */
function jsonErrorPlace(text: string, error: unknown): string {
  const position = /position (\d+)/.exec((error as Error).message);
  if (!position) return '(fin du fichier atteinte trop tôt : une accolade ou un guillemet manque)';
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `ligne ${line}, colonne ${column} (une virgule, un guillemet ou une accolade manque souvent)`;
}

function setKeys(env: Env): Set<string> {
  return new Set(
    Object.entries(env)
      .filter(([, v]) => v !== undefined && v.trim() !== '')
      .map(([k]) => k),
  );
}

/** Where each known setting comes from, without any value (for `check` and `status`). */
export function settingSources(loaded: LoadedSettings): { setting: string; source: SettingSource }[] {
  const vault = loaded.env.KEY_VAULT_URL !== undefined && loaded.env.KEY_VAULT_URL.trim() !== '';
  const out: { setting: string; source: SettingSource }[] = [];
  for (const schema of Object.values(ALL_SCHEMAS)) {
    const shape = (
      schema instanceof z.ZodObject ? schema : ((schema as unknown as { def: { in?: z.ZodObject } }).def.in ?? schema)
    ) as z.ZodObject;
    for (const [name, field] of Object.entries(shape.shape ?? {})) {
      let source: SettingSource;
      if (vault && name in SECRET_SETTINGS) source = 'Key Vault';
      else if (loaded.fromEnv.has(name)) source = 'environnement';
      else if (loaded.fromFile.has(name)) source = 'local.settings.json';
      else source = (field as z.ZodType).safeParse(undefined).success && hasDefault(field as z.ZodType) ? 'défaut' : 'non défini';
      out.push({ setting: name, source });
    }
  }
  return out;
}

function hasDefault(field: z.ZodType): boolean {
  const value = field.safeParse(undefined);
  return value.success && value.data !== undefined;
}
