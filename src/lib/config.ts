/**
 * Settings, validated once at the edge with zod. Every default is visible on the schemas below.
 * Each job validates only the sections it uses (`transfer-batisimply` runs without any Batigest
 * setting). This is the only module that reads `process.env`.
 *
 * Secret settings (passwords, client secret, staging URL) are resolved through a SecretSource:
 * Key Vault when KEY_VAULT_URL is set, else the environment. Their values never appear in errors.
 */
import { z } from 'zod';
import { ConfigurationError } from './errors.js';

export type Env = Record<string, string | undefined>;

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'TRUE', 'FALSE', 'True', 'False'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v.toLowerCase() === 'true' || v === '1'));

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).optional().default(fallback);

const timeZone = z
  .string()
  .optional()
  .default('Europe/Paris')
  .refine((tz) => {
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

export const stagingSchema = z.object({
  STAGING_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'URL PostgreSQL attendue (postgresql://…)')
    .optional(),
  /** Embedded PostgreSQL (PGlite) directory used when no STAGING_DATABASE_URL is set: local runs only. */
  STAGING_EMBEDDED_DIR: z.string().optional().default('.data/staging'),
  RUN_HISTORY_DAYS: int(90, 1, 3650),
  /** Connections of one company's staging pool per process; sized with the instance cap and the companies (docs/azure.md, docs/queue.md). */
  STAGING_POOL_MAX: int(10, 3, 100),
});

/** Company names (`COMPANIES=acme,beta`); unset: the single company `default` on the flat settings. */
export const companiesSchema = z.object({
  COMPANIES: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '')))
    .pipe(
      z
        .array(z.string().regex(/^[a-z][a-z0-9-]{0,29}$/, 'noms de société en minuscules, chiffres et tirets (ex. acme,beta-btp)'))
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
  AzureWebJobsStorage__accountName: z.string().regex(/^[a-z0-9]{3,24}$/, 'nom de compte de stockage attendu').optional(),
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
  .superRefine((s, ctx) => {
    if (s.BATISIMPLY_GRANT_TYPE === 'password') {
      for (const key of ['BATISIMPLY_USERNAME', 'BATISIMPLY_PASSWORD'] as const) {
        if (!s[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'requis avec BATISIMPLY_GRANT_TYPE=password' });
      }
    } else if (!s.BATISIMPLY_CLIENT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['BATISIMPLY_CLIENT_SECRET'],
        message: 'requis avec BATISIMPLY_GRANT_TYPE=client_credentials',
      });
    }
  });

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

/** Read by the Functions host through %NAME% in the timer bindings, listed here so they are documented and checked. */
export const scheduleSchema = z.object({
  CHANTIERS_SCHEDULE: z.string().optional().default('0 */15 * * * *'),
  HEURES_SCHEDULE: z.string().optional().default('0 0 * * * *'),
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

/** Settings whose value is a secret: taken from Key Vault when one is configured. */
export const SECRET_SETTINGS = {
  BATIGEST_SQL_PASSWORD: 'batigest-sql-password',
  BATISIMPLY_CLIENT_SECRET: 'batisimply-client-secret',
  BATISIMPLY_PASSWORD: 'batisimply-password',
  STAGING_DATABASE_URL: 'staging-database-url',
} as const;

export type SecretSetting = keyof typeof SECRET_SETTINGS;

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
} as const;

export function parseSection<S extends z.ZodType>(schema: S, env: Env, section: string): z.output<S> {
  // A blank app setting (or local.settings.json value) means "not set": its default applies.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? section);
    const missing = issue.code === 'invalid_type' && present[name] === undefined;
    return missing ? `${name} manquant` : `${name} invalide (${issue.message})`;
  });
  throw new ConfigurationError(`Configuration ${section} incomplète : ${problems.join(' ; ')}`, {
    code: 'CONFIG_INVALID',
  });
}

/** The process environment, read here and nowhere else. */
export function processEnv(): Env {
  return { ...process.env };
}
