/**
 * Connection checks for `connecteur check`, the dashboard and the connect-* routes: which step
 * failed (DNS, TCP, TLS, login, database, permission), in French, never with a secret.
 */
import type { Env, SecretSetting } from '../config.js';
import { operatorMessage } from '../errors.js';
import { redact } from '../log.js';
import { Services } from '../services.js';

export type CheckStep = 'configuration' | 'dns' | 'tcp' | 'tls' | 'login' | 'database' | 'permission' | 'api' | 'ok';
export type System = 'sqlserver' | 'postgres' | 'batisimply';

export interface CheckResult {
  system: System;
  ok: boolean;
  step: CheckStep;
  message: string;
  durationMs: number;
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

const SYSTEM_LABEL: Record<System, string> = { sqlserver: 'SQL Server (Batigest)', postgres: 'PostgreSQL (staging)', batisimply: 'BatiSimply' };

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
  if (has(/ENOTFOUND|EAI_AGAIN|getaddrinfo/)) return 'dns';
  if (has(/CERT|SSL|TLS|self[- ]signed|certificate/i)) return 'tls';
  if (has(/^(ELOGIN|28P01|28000|BATISIMPLY_LOGIN_FAILED|SQL18456)$/)) return 'login';
  if (has(/^(3D000|SQL4060|SQL911)$/)) return 'database';
  if (has(/^(42501|SQL229|SQL230|SQL262)$/)) return 'permission';
  if (has(/ECONNREFUSED|ETIMEDOUT|ESOCKET|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT|UNREACHABLE/)) return 'tcp';
  return 'api';
}

async function timed(system: System, fn: () => Promise<void>): Promise<CheckResult> {
  const started = Date.now();
  try {
    await fn();
    return { system, ok: true, step: 'ok', message: `${SYSTEM_LABEL[system]} : connexion réussie.`, durationMs: Date.now() - started };
  } catch (error) {
    const step = failedStep(error);
    const detail = operatorMessage(error);
    return {
      system,
      ok: false,
      step,
      message: redact(`${SYSTEM_LABEL[system]} : échec à l'étape « ${STEP_LABEL[step]} » — ${detail}`),
      durationMs: Date.now() - started,
    };
  }
}

export function checkPostgres(services: Services) {
  return timed('postgres', async () => {
    const db = await services.staging();
    await db.query('SELECT 1');
  });
}

export function checkSqlServer(services: Services) {
  return timed('sqlserver', async () => (await services.batigest()).ping());
}

export function checkBatisimply(services: Services) {
  return timed('batisimply', async () => (await services.batisimply()).ping());
}

export async function checkAll(services: Services): Promise<CheckResult[]> {
  return Promise.all([checkSqlServer(services), checkPostgres(services), checkBatisimply(services)]);
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
    env[setting] = String(value);
    const secret = SECRET_FIELDS[setting];
    if (secret) givenSecrets.push([secret, String(value)]);
  }
  const fromBody = givenSecrets.map(([s]) => s);
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
