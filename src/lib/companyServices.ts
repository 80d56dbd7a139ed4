/** A `Services` per company, built from the company's settings (companies.ts). */
import { companySecretName, DEFAULT_COMPANY, leftoverWarning, listCompanies, pickCompany, type Company } from './companies.js';
import { ConfigurationError } from './errors.js';
import type { Env } from './config.js';
import { createSecretStore } from './secrets.js';
import { Services, type ServiceOptions, type ServiceOverrides } from './services.js';

export function companyServices(company: Company, overrides: ServiceOverrides = {}, options: ServiceOptions = {}): Services {
  const secrets = overrides.secrets ?? createSecretStore(company.env, (s) => companySecretName(company.secretPrefix, s));
  return new Services(company.env, { ...overrides, secrets }, { company: company.name, schema: company.schema }, options);
}

/**
 * Every company's services, each opened on first use and kept for the process (a Functions
 * worker, `connecteur serve`): one staging pool per company, sized by STAGING_POOL_MAX.
 */
export class CompanyDirectory {
  private readonly opened = new Map<string, Services>();
  private listed: Company[] | undefined;

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
      services = companyServices(company, this.overrides, this.options);
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
