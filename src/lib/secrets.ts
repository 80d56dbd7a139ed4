/**
 * Where secret settings come from: Key Vault (managed identity) when KEY_VAULT_URL is set, else
 * the environment (`local.settings.json` Values locally). Vault values are cached in memory and
 * re-read after an authentication failure, so a rotated secret is picked up without a restart.
 */
import type { TokenCredential } from '@azure/identity';
import type { SecretClient } from '@azure/keyvault-secrets';
import { keyVaultSchema, parseSection, SECRET_SETTINGS, type Env, type SecretSetting } from './config.js';
import { UpstreamError } from './errors.js';

export interface SecretStore {
  /** The secret's value, or undefined when neither the vault nor the environment has it. */
  get(setting: SecretSetting): Promise<string | undefined>;
  /** Forget cached values: called after a login was refused with them. */
  invalidate(): void;
  /** Store a secret (connection checks with `save: true`); only possible with a vault. */
  save(setting: SecretSetting, value: string): Promise<void>;
  readonly kind: 'keyvault' | 'environment';
}

export class EnvironmentSecrets implements SecretStore {
  readonly kind = 'environment' as const;
  constructor(private readonly env: Env) {}
  async get(setting: SecretSetting) {
    return this.env[setting] || undefined;
  }
  invalidate() {}
  async save(): Promise<void> {
    throw new UpstreamError('keyvault', 'Aucun coffre Key Vault configuré (KEY_VAULT_URL) : enregistrement impossible.', {
      code: 'KEYVAULT_NOT_CONFIGURED',
      retryable: false,
    });
  }
}

export class KeyVaultSecrets implements SecretStore {
  readonly kind = 'keyvault' as const;
  private readonly cache = new Map<SecretSetting, Promise<string | undefined>>();
  private opened: Promise<SecretClient> | undefined;

  /** `credential` is a factory so that the Azure SDKs load on the first secret read, not at start-up. */
  constructor(
    private readonly vaultUrl: string,
    private readonly env: Env,
    private readonly credential: () => Promise<TokenCredential>,
    /** A company's secret names (companies.ts companySecretName); default: the plain names. */
    private readonly nameOf: (setting: SecretSetting) => string = (s) => SECRET_SETTINGS[s],
  ) {}

  private client(): Promise<SecretClient> {
    this.opened ??= (async () => {
      const { SecretClient } = await import('@azure/keyvault-secrets');
      return new SecretClient(this.vaultUrl, await this.credential());
    })();
    this.opened.catch(() => (this.opened = undefined));
    return this.opened;
  }

  get(setting: SecretSetting): Promise<string | undefined> {
    let pending = this.cache.get(setting);
    if (!pending) {
      pending = this.fetch(setting);
      this.cache.set(setting, pending);
      pending.catch(() => this.cache.delete(setting));
    }
    return pending;
  }

  private async fetch(setting: SecretSetting): Promise<string | undefined> {
    try {
      const secret = await (await this.client()).getSecret(this.nameOf(setting));
      return secret.value || this.env[setting] || undefined;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return this.env[setting] || undefined;
      throw new UpstreamError('keyvault', `Lecture du secret « ${this.nameOf(setting)} » impossible dans Key Vault.`, {
        code: 'KEYVAULT_READ_FAILED',
        cause: error,
      });
    }
  }

  invalidate() {
    this.cache.clear();
  }

  async save(setting: SecretSetting, value: string) {
    try {
      await (await this.client()).setSecret(this.nameOf(setting), value);
      this.cache.delete(setting);
    } catch (error) {
      throw new UpstreamError('keyvault', `Enregistrement du secret « ${this.nameOf(setting)} » refusé par Key Vault.`, {
        code: 'KEYVAULT_WRITE_FAILED',
        cause: error,
      });
    }
  }
}

export function createSecretStore(env: Env, nameOf?: (setting: SecretSetting) => string): SecretStore {
  const { KEY_VAULT_URL, AZURE_CLIENT_ID } = parseSection(keyVaultSchema, env, 'Key Vault');
  if (!KEY_VAULT_URL) return new EnvironmentSecrets(env);
  // A user-assigned identity must be named; DefaultAzureCredential covers `az login` on a laptop.
  const credential = async (): Promise<TokenCredential> => {
    const { DefaultAzureCredential, ManagedIdentityCredential } = await import('@azure/identity');
    return AZURE_CLIENT_ID ? new ManagedIdentityCredential({ clientId: AZURE_CLIENT_ID }) : new DefaultAzureCredential();
  };
  return new KeyVaultSecrets(KEY_VAULT_URL, env, credential, nameOf);
}

/** The environment with the given secret settings filled in from the store. */
export async function withSecrets(env: Env, secrets: SecretStore, settings: readonly SecretSetting[]): Promise<Env> {
  const resolved: Env = { ...env };
  for (const setting of settings) resolved[setting] = await secrets.get(setting);
  return resolved;
}
