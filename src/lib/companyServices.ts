/** A `Services` per company, built from the company's settings (companies.ts). */
import { companySecretName, DEFAULT_COMPANY, leftoverWarning, listCompanies, pickCompany, type Company } from './companies.js';
import { SHARED_SECRET_SETTINGS, type Env, type SecretSetting } from './config.js';
import { ConfigurationError } from './errors.js';
import { createSecretStore, type SecretStore } from './secrets.js';
import { Services, type ServiceOptions, type ServiceOverrides } from './services.js';

/**
 * `shared`: the deployment's secrets (staging URL, agent role, webhook), one store for every company
 * of the process, so that 200 companies read the staging URL from Key Vault once, not 200 times.
 */
export function companyServices(
  company: Company,
  overrides: ServiceOverrides = {},
  options: ServiceOptions = {},
  shared?: SecretStore,
): Services {
  const secrets = overrides.secrets ?? companySecrets(company, shared);
  return new Services(company.env, { ...overrides, secrets }, { company: company.name, schema: company.schema }, options);
}

function companySecrets(company: Company, shared: SecretStore | undefined): SecretStore {
  const own = createSecretStore(company.env, (s) => companySecretName(company.secretPrefix, s));
  if (!shared) return own;
  const storeOf = (setting: SecretSetting) => (SHARED_SECRET_SETTINGS.includes(setting) ? shared : own);
  return {
    kind: own.kind,
    get: (setting) => storeOf(setting).get(setting),
    save: (setting, value) => storeOf(setting).save(setting, value),
    // A refused credential: both read again (the refused one may be either).
    invalidate() {
      own.invalidate();
      shared.invalidate();
    },
  };
}

/**
 * Every company's services, each opened on first use and kept for the process (a Functions
 * worker, `connecteur serve`): their staging handles share the process's one pool (staging/pool.ts).
 */
export class CompanyDirectory {
  private readonly opened = new Map<string, Services>();
  private listed: Company[] | undefined;
  private shared: SecretStore | undefined;

  /** `defaultServices`: the services of the flat settings, when the caller already has them. */
  constructor(
    readonly env: Env,
    private readonly defaultServices?: Services,
    private readonly options: ServiceOptions = {},
    /** Ports handed to every company's services (tests: a stand-in for Batigest in an agent's process). */
    private readonly overrides: ServiceOverrides = {},
  ) {}

  /** Validated once: settings do not change while a process runs. */
  companies(): Company[] {
    return (this.listed ??= listCompanies(this.env));
  }

  /** The named company's services, or the only company's; several companies and no name: an error. */
  get(name?: string | null): Services {
    const company = pickCompany(this.companies(), name);
    // That company alone fails: the others are listed and run as usual.
    if (company.problem) throw new ConfigurationError(company.problem, { code: 'CONFIG_INVALID' });
    if (company.name === DEFAULT_COMPANY && this.defaultServices) return this.defaultServices;
    let services = this.opened.get(company.name);
    if (!services) {
      this.shared ??= createSecretStore(this.env);
      services = companyServices(company, this.overrides, this.options, this.shared);
      this.opened.set(company.name, services);
    }
    return services;
  }

  /**
   * The companies to look at: the one named, else all of them. A company whose settings are
   * refused throws when its `services` are read, so that a loop over companies fails it alone.
   */
  select(name?: string | null): { company: string; readonly services: Services }[] {
    const names = name ? [pickCompany(this.companies(), name).name] : this.companies().map((c) => c.name);
    const get = (company: string) => this.get(company);
    return names.map((company) => ({
      company,
      get services() {
        return get(company);
      },
    }));
  }

  /** Leftover company settings, for a warning (companies.ts). */
  warning(): string | null {
    return leftoverWarning(this.env);
  }

  async close() {
    for (const services of this.opened.values()) await services.close();
    this.opened.clear();
  }
}
