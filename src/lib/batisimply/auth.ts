/**
 * Access tokens from BatiSimply's Keycloak (grant `password` or `client_credentials`), cached
 * until shortly before they expire. Concurrent callers share one token request.
 */
import pRetry from 'p-retry';
import { request, type Dispatcher } from 'undici';
import { ConfigurationError, UpstreamError } from '../errors.js';
import { registerCredentialPair, registerSecret } from '../log.js';
import { BACKOFF, networkCode, RETRYABLE_HTTP_STATUSES } from '../retry.js';
import { keycloakErrorSchema, tokenSchema } from './schemas.js';
import { hostPort, snippet } from './text.js';

export interface TokenProvider {
  token(): Promise<string>;
  invalidate(): void;
}

export interface Credentials {
  grantType: 'password' | 'client_credentials';
  clientId: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

export class KeycloakTokens implements TokenProvider {
  private cached: { value: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;
  /** Token requests sent: tests read it to check caching. */
  requests = 0;

  constructor(
    private readonly tokenUrl: string,
    /** Asked again after a refused login, so a rotated secret in Key Vault is picked up. */
    private readonly credentials: (fresh: boolean) => Promise<Credentials>,
    private readonly options: { timeoutMs: number; maxRetries?: number; dispatcher?: Dispatcher; now?: () => number },
  ) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  token(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return Promise.resolve(this.cached.value);
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  invalidate() {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    try {
      return await this.requestTokenRetried(false);
    } catch (error) {
      if (error instanceof UpstreamError && error.code === 'BATISIMPLY_LOGIN_FAILED') return this.requestTokenRetried(true);
      throw error;
    }
  }

  /** A token request changes nothing on the server: any transient failure (network, 429, 5xx) is retried like the API's. */
  private requestTokenRetried(fresh: boolean): Promise<string> {
    return pRetry(() => this.requestToken(fresh), {
      retries: this.options.maxRetries ?? 0,
      ...BACKOFF,
      shouldRetry: ({ error }) => error instanceof UpstreamError && error.retryable,
    });
  }

  private async requestToken(fresh: boolean): Promise<string> {
    const c = await this.credentials(fresh);
    // A secret re-read from Key Vault is masked too, and so is the Basic form a proxy may log or echo.
    registerSecret(c.clientSecret);
    registerSecret(c.password);
    registerCredentialPair(c.clientId, c.clientSecret);
    const form = new URLSearchParams({ grant_type: c.grantType, client_id: c.clientId });
    if (c.clientSecret) form.set('client_secret', c.clientSecret);
    if (c.grantType === 'password') {
      form.set('username', c.username ?? '');
      form.set('password', c.password ?? '');
    }
    this.requests++;
    const startedAt = this.now();
    let status: number;
    let text: string;
    try {
      const response = await request(this.tokenUrl, {
        method: 'POST',
        dispatcher: this.options.dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw new UpstreamError(
        'batisimply',
        `Serveur d'authentification BatiSimply injoignable sur ${hostPort(this.tokenUrl)} (BATISIMPLY_TOKEN_URL, ${networkCode(error) ?? 'erreur réseau'}).`,
        {
          code: 'BATISIMPLY_SSO_UNREACHABLE',
          cause: error,
        },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status === 400 || status === 401) {
      const kc = keycloakErrorSchema.safeParse(json);
      // Only a short masked excerpt: a gateway was seen quoting the whole posted form here.
      const detail = kc.success
        ? snippet(`${kc.data.error}${kc.data.error_description ? ` : ${kc.data.error_description}` : ''}`)
        : snippet(text);
      throw new UpstreamError(
        'batisimply',
        `${refusal(kc.success ? kc.data.error : undefined, c.grantType)} (détail du serveur, ${status} : ${detail})`,
        {
          code: 'BATISIMPLY_LOGIN_FAILED',
          retryable: false,
        },
      );
    }
    if (status === 404 || status === 405) {
      throw new ConfigurationError(
        `Le serveur d'authentification BatiSimply répond ${status} : BATISIMPLY_TOKEN_URL (${this.tokenUrl}) ne mène pas au point d'accès des jetons. ` +
          'Corrigez ce réglage (…/auth/realms/jhipster/protocol/openid-connect/token).',
        { code: 'BATISIMPLY_TOKEN_URL_INVALID' },
      );
    }
    const parsed = tokenSchema.safeParse(json);
    if (status !== 200 || !parsed.success) {
      throw new UpstreamError(
        'batisimply',
        `Réponse inattendue du serveur d'authentification BatiSimply : statut ${status}, début : ${snippet(text)}`,
        {
          code: 'BATISIMPLY_SSO_BAD_RESPONSE',
          retryable: RETRYABLE_HTTP_STATUSES.has(status),
        },
      );
    }
    const lifetime = parsed.data.expires_in * 1000;
    // Renew before expiry: 10 % of the lifetime, at most 30 s, so a call never leaves with a dying token.
    this.cached = { value: parsed.data.access_token, renewAt: startedAt + lifetime - Math.min(lifetime * 0.1, 30_000) };
    return parsed.data.access_token;
  }
}

/**
 * What Keycloak refused, in the operator's words and naming the settings to change: the account
 * (invalid_grant), the client (invalid_client, unauthorized_client) or the grant type.
 */
function refusal(error: string | undefined, grantType: Credentials['grantType']): string {
  switch (error) {
    case 'invalid_grant':
      return grantType === 'password'
        ? 'BatiSimply refuse le compte : vérifiez BATISIMPLY_USERNAME et BATISIMPLY_PASSWORD'
        : 'BatiSimply refuse la demande de jeton : vérifiez BATISIMPLY_CLIENT_ID et BATISIMPLY_CLIENT_SECRET';
    case 'invalid_client':
    case 'unauthorized_client':
      return 'BatiSimply refuse le client : vérifiez BATISIMPLY_CLIENT_ID et BATISIMPLY_CLIENT_SECRET (un client confidentiel demande son secret avec les deux types de demande), et BATISIMPLY_GRANT_TYPE';
    case 'unsupported_grant_type':
      return 'BatiSimply refuse le type de demande de jeton : vérifiez BATISIMPLY_GRANT_TYPE (password ou client_credentials)';
    default:
      return 'Authentification BatiSimply refusée : vérifiez BATISIMPLY_USERNAME, BATISIMPLY_PASSWORD, BATISIMPLY_CLIENT_ID et BATISIMPLY_CLIENT_SECRET';
  }
}
