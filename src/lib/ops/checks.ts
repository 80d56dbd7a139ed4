/**
 * Connection checks for `connecteur check`, the dashboard and the connect-* routes: which step
 * failed (DNS, TCP, TLS, login, database, permission), in French, never with a secret.
 */
import type { z } from 'zod';
import { codeEntry } from '../domain/codes.js';
import {
  agentSchema,
  batigestSchema,
  batisimplySchema,
  geocodeSchema,
  keyVaultSchema,
  parseSection,
  scheduleSchema,
  SECRET_SETTINGS,
  stagingSchema,
  syncSchema,
  type Env,
  type SecretSetting,
} from '../config.js';
import { listCompanies } from '../companies.js';
import { ConfigurationError, operatorMessage, toConnectorError } from '../errors.js';
import { redact } from '../log.js';
import { Services } from '../services.js';
import { PostgresDb } from '../staging/db.js';

export type CheckStep = 'configuration' | 'dns' | 'tcp' | 'tls' | 'login' | 'database' | 'permission' | 'api' | 'ok';
export type System = 'sqlserver' | 'postgres' | 'batisimply';
/** What `connecteur agent check` tests beside the connections. */
export type CheckedSystem = System | 'settings' | 'schema' | 'heartbeat';

export interface CheckResult {
  /** `settings`: every setting no connection check reads, validated as the runs will read them. */
  system: CheckedSystem;
  ok: boolean;
  step: CheckStep;
  message: string;
  durationMs: number;
  /** The error's code when the check failed (domain/codes.ts): a missing database is a setting to fix, not an outage. */
  code?: string;
}

const STEP_LABEL: Record<CheckStep, string> = {
  configuration: 'configuration',
  dns: 'résolution DNS',
  tcp: 'connexion TCP',
  tls: 'négociation TLS',
  login: 'authentification',
  database: 'base de données',
  permission: 'droits',
  api: 'réponse du service',
  ok: 'ok',
};

const SYSTEM_LABEL: Record<CheckedSystem, string> = {
  settings: 'Réglages',
  sqlserver: 'SQL Server (Batigest)',
  postgres: 'PostgreSQL (staging)',
  batisimply: 'BatiSimply',
  schema: 'Schéma de staging',
  heartbeat: 'Battement de cœur de l’agent (écriture en staging)',
};

/** The failing step, from the codes found along the error's cause chain. */
export function failedStep(error: unknown): CheckStep {
  const codes: string[] = [];
  let current: unknown = error;
  for (let i = 0; current && i < 6; i++) {
    const e = current as { code?: unknown; number?: unknown; message?: unknown; name?: string };
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.number === 'number') codes.push(`SQL${e.number}`);
    if (typeof e.message === 'string') codes.push(e.message);
    current = (current as { cause?: unknown }).cause;
  }
  const has = (re: RegExp) => codes.some((c) => re.test(c));
  if (has(/^CONFIG/)) return 'configuration';
  if (has(/^(3D000|SQL4060|SQL911|STAGING_DATABASE_MISSING)$/)) return 'database';
  if (has(/^(ELOGIN|28P01|28000|SQL18456)$|_LOGIN_FAILED$/)) return 'login';
  if (codes.some((c) => codeEntry(c)?.family === 'réglage')) return 'configuration';
  if (has(/ENOTFOUND|EAI_AGAIN|getaddrinfo/)) return 'dns';
  if (has(/CERT|SSL|TLS|self[- ]signed|certificate/i)) return 'tls';
  if (has(/^(ELOGIN|28P01|28000|BATISIMPLY_LOGIN_FAILED|SQL18456)$/)) return 'login';
  if (has(/^(3D000|SQL4060|SQL911)$/)) return 'database';
  if (has(/^(42501|SQL229|SQL230|SQL262)$/)) return 'permission';
  if (has(/ECONNREFUSED|ETIMEDOUT|ESOCKET|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT|UNREACHABLE/)) return 'tcp';
  return 'api';
}

/** `fn` may answer what the success means, when it is more than a connection. */
export async function timed(system: CheckedSystem, fn: () => Promise<void | string>): Promise<CheckResult> {
  const started = Date.now();
  try {
    const said = await fn();
    const message = `${SYSTEM_LABEL[system]} : ${said ?? (system === 'settings' ? 'tous valides.' : 'connexion réussie.')}`;
    return { system, ok: true, step: 'ok', message, durationMs: Date.now() - started };
  } catch (error) {
    const step = failedStep(error);
    const detail = operatorMessage(error);
    return {
      system,
      ok: false,
      step,
      message: redact(`${SYSTEM_LABEL[system]} : échec à l'étape « ${STEP_LABEL[step]} » — ${detail}`),
      durationMs: Date.now() - started,
      code: toConnectorError(error).code,
    };
  }
}

/**
 * Connects and asks `SELECT 1`, nothing more: a connection test must neither migrate nor write
 * (the database tested may not be the connector's yet). The embedded database is local only and
 * opened once per process, so it is checked through the process's own staging.
 */
export function checkPostgres(services: Services) {
  return timed('postgres', async () => {
    const { STAGING_DATABASE_URL: url } = await services.stagingConnection();
    if (!url) {
      await (await services.staging()).query('SELECT 1');
      return;
    }
    const db = new PostgresDb(url, { max: 1 });
    try {
      await db.query('SELECT 1');
    } finally {
      await db.close();
    }
  });
}

export function checkSqlServer(services: Services) {
  return timed('sqlserver', async () => (await services.batigest()).ping());
}

export function checkBatisimply(services: Services) {
  return timed('batisimply', async () => (await services.batisimply()).ping());
}

/** With BATIGEST_ACCESS=agent this side never reaches SQL Server: the agent's own check does (`connecteur agent check`). */
function sqlServerLeftToAgent(): CheckResult {
  return {
    system: 'sqlserver',
    ok: true,
    step: 'ok',
    message: `${SYSTEM_LABEL.sqlserver} : atteint par l'agent sur site (BATIGEST_ACCESS=agent), pas d'ici ; voir « connecteur agent check » sur sa machine.`,
    durationMs: 0,
  };
}

/**
 * The settings the connection checks do not read (sync, geocoding, schedules, Key Vault, staging,
 * companies), parsed as a run parses them: what `run` would refuse, `check` refuses first.
 */
export function checkSettings(services: Services) {
  return timed('settings', async () => {
    const sections = {
      synchronisation: syncSchema,
      géocodage: geocodeSchema,
      planification: scheduleSchema,
      'Key Vault': keyVaultSchema,
      agent: agentSchema,
    };
    const problems: string[] = [];
    const attempt = (parse: () => unknown) => {
      try {
        parse();
      } catch (error) {
        problems.push((error as Error).message);
      }
    };
    for (const [name, schema] of Object.entries(sections)) attempt(() => parseSection(schema, services.env, name));
    attempt(() => services.stagingSettings());
    attempt(() => {
      for (const c of listCompanies(services.env)) if (c.problem) throw new ConfigurationError(c.problem);
    });
    if (problems.length > 0) throw new ConfigurationError(problems.join('. '), { code: 'CONFIG_INVALID' });
  });
}

export async function checkAll(services: Services): Promise<CheckResult[]> {
  const agentMode = (() => {
    try {
      return services.agent().BATIGEST_ACCESS === 'agent';
    } catch {
      return false;
    }
  })();
  return Promise.all([
    checkSettings(services),
    agentMode ? sqlServerLeftToAgent() : checkSqlServer(services),
    checkPostgres(services),
    checkBatisimply(services),
  ]);
}

/** Fields an operator may give to the connect-* routes, and the setting each stands for. */
export const CONNECTION_FIELDS: Record<System, Record<string, string>> = {
  postgres: { url: 'STAGING_DATABASE_URL' },
  sqlserver: {
    server: 'BATIGEST_SQL_SERVER',
    port: 'BATIGEST_SQL_PORT',
    database: 'BATIGEST_SQL_DATABASE',
    user: 'BATIGEST_SQL_USER',
    password: 'BATIGEST_SQL_PASSWORD',
    encrypt: 'BATIGEST_SQL_ENCRYPT',
    trustServerCertificate: 'BATIGEST_SQL_TRUST_SERVER_CERTIFICATE',
  },
  batisimply: {
    apiUrl: 'BATISIMPLY_API_URL',
    tokenUrl: 'BATISIMPLY_TOKEN_URL',
    grantType: 'BATISIMPLY_GRANT_TYPE',
    clientId: 'BATISIMPLY_CLIENT_ID',
    clientSecret: 'BATISIMPLY_CLIENT_SECRET',
    username: 'BATISIMPLY_USERNAME',
    password: 'BATISIMPLY_PASSWORD',
  },
};

const SECRET_FIELDS: Record<string, SecretSetting> = {
  STAGING_DATABASE_URL: 'STAGING_DATABASE_URL',
  BATIGEST_SQL_PASSWORD: 'BATIGEST_SQL_PASSWORD',
  BATISIMPLY_CLIENT_SECRET: 'BATISIMPLY_CLIENT_SECRET',
  BATISIMPLY_PASSWORD: 'BATISIMPLY_PASSWORD',
};

const SCHEMA_OF: Record<System, z.ZodObject> = { postgres: stagingSchema, sqlserver: batigestSchema, batisimply: batisimplySchema };

/** A field given to a connect-* route is checked like its setting: a bad value is bad input (400), not a failed connection. */
function checkGivenField(system: System, field: string, setting: string, value: unknown) {
  const schema = SCHEMA_OF[system].shape[setting] as z.ZodType | undefined;
  const text = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  const parsed = text === undefined ? undefined : schema?.safeParse(text);
  if (text === undefined || (parsed && !parsed.success)) {
    const reason = parsed && !parsed.success ? parsed.error.issues[0]?.message : 'texte, nombre ou booléen attendu';
    throw new ConfigurationError(`Champ ${field} invalide (${setting}) : ${reason}.`, { code: 'BAD_INPUT' });
  }
}

/**
 * The staging URL is one secret for every company (each has its own schema in the same database):
 * saved from one company's check, it would move every other company to that database.
 */
function refuseSharedStagingSave(env: Env) {
  const names = listCompanies(env).map((c) => c.name);
  if (names.length < 2) return;
  throw new ConfigurationError(
    `Enregistrement refusé : l’URL du staging (secret ${SECRET_SETTINGS.STAGING_DATABASE_URL}) est commune aux sociétés ${names.join(', ')}, elle ne s’enregistre pas depuis l’une d’elles. Testez-la sans "save", puis enregistrez-la dans le coffre (az keyvault secret set --name ${SECRET_SETTINGS.STAGING_DATABASE_URL}).`,
    { code: 'BAD_INPUT' },
  );
}

export interface ConnectOutcome extends CheckResult {
  saved: string[];
}

/**
 * Tests one connection with the given fields over the configured settings; with `save`, stores
 * the given secrets in Key Vault once the test passed. Answers never carry a secret.
 */
export async function testConnection(
  configured: Services,
  system: System,
  given: Record<string, unknown>,
  save: boolean,
): Promise<ConnectOutcome> {
  const env: Env = { ...configured.env };
  const givenSecrets: [SecretSetting, string][] = [];
  for (const [field, setting] of Object.entries(CONNECTION_FIELDS[system])) {
    const value = given[field];
    if (value === undefined || value === null || value === '') continue;
    checkGivenField(system, field, setting, value);
    env[setting] = String(value);
    const secret = SECRET_FIELDS[setting];
    if (secret) givenSecrets.push([secret, String(value)]);
  }
  const fromBody = givenSecrets.map(([s]) => s);
  if (save && fromBody.includes('STAGING_DATABASE_URL')) refuseSharedStagingSave(configured.env);
  // Secrets not given in the body come from the configured store (Key Vault or environment).
  const secrets = {
    kind: configured.secrets.kind,
    get: async (s: SecretSetting) => (fromBody.includes(s) ? env[s] : configured.secrets.get(s)),
    invalidate: () => configured.secrets.invalidate(),
    save: (s: SecretSetting, v: string) => configured.secrets.save(s, v),
  };
  const services = new Services(env, { secrets });
  try {
    const check = system === 'postgres' ? checkPostgres : system === 'sqlserver' ? checkSqlServer : checkBatisimply;
    const result = await check(services);
    const saved: string[] = [];
    if (result.ok && save) {
      for (const [setting, value] of givenSecrets) {
        await configured.secrets.save(setting, value);
        saved.push(setting);
      }
    }
    return { ...result, saved };
  } finally {
    await services.close();
  }
}
