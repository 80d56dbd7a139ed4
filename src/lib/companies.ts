/**
 * Companies as configuration. Unset `COMPANIES`: one company, `default`, on today's flat settings
 * (nothing changes for an existing deployment). `COMPANIES=acme,beta`: each named company takes
 * its own settings from `COMPANY_<NAME>__<SETTING>` (`COMPANY_ACME__BATIGEST_SQL_SERVER`), its
 * secrets from Key Vault as `<name>-<secret>` (`acme-batigest-sql-password`), and its staging
 * tables from its own schema (`company_acme`) of the shared staging database. The name `default`
 * may be listed too: it keeps the flat settings and the `public` schema, which is how a
 * single-company deployment grows into several without moving its data.
 */
import {
  batigestSchema,
  batisimplySchema,
  companiesSchema,
  parseSection,
  SECRET_SETTINGS,
  SHARED_SECRET_SETTINGS,
  syncSchema,
  type Env,
  type SecretSetting,
} from './config.js';
import { ConfigurationError } from './errors.js';

export const DEFAULT_COMPANY = 'default';

export interface Company {
  name: string;
  /** PostgreSQL schema of the company's staging tables and run history. */
  schema: string;
  /** Prefix of the company's Key Vault secret names. */
  secretPrefix: string;
  /** The settings the company's services read. */
  env: Env;
  /** Why the company's own settings are refused: that company fails, the others run. */
  problem?: string;
}

const keysOf = (schema: unknown) => Object.keys((schema as { shape: object }).shape);

/** Settings that belong to one company: never inherited from the flat settings by a named company. */
export const COMPANY_OWN_SETTINGS = [
  ...keysOf(batigestSchema),
  ...[
    'BATISIMPLY_CLIENT_ID',
    'BATISIMPLY_CLIENT_SECRET',
    'BATISIMPLY_USERNAME',
    'BATISIMPLY_PASSWORD',
    'BATISIMPLY_GRANT_TYPE',
    'BATISIMPLY_HEADQUARTER_ID',
  ],
  'CHANTIERS_ETATS',
  'HEURES_WINDOW_DAYS',
];

/** Settings a company may set for itself: its own ones, plus the BatiSimply and sync ones it may override. */
export const COMPANY_SETTINGS = [...new Set([...COMPANY_OWN_SETTINGS, ...keysOf(batisimplySchema), ...keysOf(syncSchema)])];

/** A company's Key Vault name for a secret: the deployment's (staging, agent, webhook) are shared, the rest is the company's. */
export function companySecretName(secretPrefix: string, setting: SecretSetting): string {
  return SHARED_SECRET_SETTINGS.includes(setting) ? SECRET_SETTINGS[setting] : `${secretPrefix}${SECRET_SETTINGS[setting]}`;
}

export const companyPrefix = (name: string) => `COMPANY_${name.toUpperCase().replace(/-/g, '_')}__`;

/**
 * The name an operator sets for a company's setting: its own ones only exist with its prefix
 * (`COMPANY_ACME__BATIGEST_SQL_SERVER`); the company `default` keeps the flat names.
 */
export function companySettingName(company: string): (setting: string) => string {
  if (company === DEFAULT_COMPANY) return (setting) => setting;
  const prefix = companyPrefix(company);
  return (setting) => (COMPANY_OWN_SETTINGS.includes(setting) ? `${prefix}${setting}` : setting);
}

/**
 * The configured companies. A malformed COMPANIES refuses them all (there is nothing to run);
 * a company's own bad setting (`problem`) fails that company alone; a `COMPANY_X__…` setting for
 * a company no longer listed (removed, or COMPANIES written empty by a provision) is a leftover:
 * `leftoverCompanySettings` names it for a warning, and nothing stops.
 */
export function listCompanies(env: Env): Company[] {
  const names = parseSection(companiesSchema, env, 'sociétés').COMPANIES ?? [DEFAULT_COMPANY];
  const prefixes = new Map(names.map((n) => [companyPrefix(n), n]));
  const problems = new Map<string, string[]>();
  for (const key of companyKeys(env)) {
    const sep = key.indexOf('__');
    const company = sep < 0 ? undefined : prefixes.get(key.slice(0, sep + 2));
    if (company === undefined) continue;
    const setting = key.slice(sep + 2);
    const problem = !COMPANY_SETTINGS.includes(setting)
      ? `${key} : ${setting} n’est pas un réglage propre à une société`
      : company === DEFAULT_COMPANY
        ? `${key} : la société default garde les réglages sans préfixe`
        : undefined;
    if (problem) problems.set(company, [...(problems.get(company) ?? []), problem]);
  }
  return names.map((name) => {
    const company = companyFrom(env, name);
    const own = problems.get(name);
    return own ? { ...company, problem: `Configuration de la société ${name} invalide : ${own.join(' ; ')}` } : company;
  });
}

const companyKeys = (env: Env) => Object.keys(env).filter((key) => key.startsWith('COMPANY_') && env[key]?.trim());

/** `COMPANY_X__…` settings whose company is not in COMPANIES (sorted): left behind, read by nobody. */
export function leftoverCompanySettings(env: Env): string[] {
  let names: string[];
  try {
    names = parseSection(companiesSchema, env, 'sociétés').COMPANIES ?? [DEFAULT_COMPANY];
  } catch {
    return [];
  }
  const prefixes = new Set(names.map(companyPrefix));
  return companyKeys(env)
    .filter((key) => key.indexOf('__') < 0 || !prefixes.has(key.slice(0, key.indexOf('__') + 2)))
    .sort();
}

/** The warning for leftover settings, or null: French, naming each. */
export function leftoverWarning(env: Env): string | null {
  const leftovers = leftoverCompanySettings(env);
  if (leftovers.length === 0) return null;
  return `Réglages de société sans société dans COMPANIES (ignorés) : ${leftovers.join(', ')}. Supprimez-les, ou ajoutez leur société à COMPANIES.`;
}

function companyFrom(env: Env, name: string): Company {
  if (name === DEFAULT_COMPANY) return { name, schema: 'public', secretPrefix: '', env };
  const prefix = companyPrefix(name);
  const shared: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('COMPANY_') || COMPANY_OWN_SETTINGS.includes(key)) continue;
    shared[key] = value;
  }
  for (const setting of COMPANY_SETTINGS) {
    const value = env[`${prefix}${setting}`];
    if (value !== undefined) shared[setting] = value;
  }
  return { name, schema: `company_${name.replace(/-/g, '_')}`, secretPrefix: `${name}-`, env: shared };
}

/**
 * The company a command works on: the one named, or the only one. With several companies a run
 * must name one; `all` (timers, status) is the caller's business.
 */
export function findCompany(env: Env, name: string | undefined | null): Company {
  return pickCompany(listCompanies(env), name);
}

/** `findCompany` among companies already listed. */
export function pickCompany(companies: Company[], name: string | undefined | null): Company {
  if (!name) {
    if (companies.length === 1) return companies[0]!;
    throw new ConfigurationError(
      `Plusieurs sociétés configurées (${companies.map((c) => c.name).join(', ')}) : précisez la société avec --company <nom> (ou ?company=<nom> sur une route HTTP).`,
      {
        code: 'COMPANY_REQUIRED',
      },
    );
  }
  const company = companies.find((c) => c.name === name);
  if (!company)
    throw new ConfigurationError(`Société inconnue « ${name} » (configurées : ${companies.map((c) => c.name).join(', ')}).`, {
      code: 'BAD_INPUT',
    });
  return company;
}

export interface CompanyCheck {
  name: string;
  schema: string;
  /** Key Vault secret names of the company. */
  secrets: string[];
  /** Section → 'ok' or the French problem (a company may leave a section unconfigured on purpose). */
  sections: Record<string, string>;
}

/** What `connecteur companies` shows: each company's place and the state of its settings (no value). */
export function describeCompanies(env: Env): CompanyCheck[] {
  return listCompanies(env).map((c) => {
    const sections: Record<string, string> = {};
    for (const [section, schema] of Object.entries({ batigest: batigestSchema, batisimply: batisimplySchema, sync: syncSchema })) {
      try {
        // Secrets may live in Key Vault: their absence here is not a problem.
        const withSecrets = { ...c.env };
        if (c.env.KEY_VAULT_URL) for (const s of Object.keys(SECRET_SETTINGS)) withSecrets[s] ??= 'coffre';
        parseSection(schema, withSecrets, section, companySettingName(c.name));
        sections[section] = 'ok';
      } catch (error) {
        sections[section] = (error as Error).message;
      }
    }
    if (c.problem) sections.sociétés = c.problem;
    return {
      name: c.name,
      schema: c.schema,
      secrets: Object.keys(SECRET_SETTINGS).map((s) => companySecretName(c.secretPrefix, s as SecretSetting)),
      sections,
    };
  });
}
