import type { ApiConfig } from '../api-config.ts';
import { apiPrefix } from '../app.ts';
import { loadSealKey, secretSeal, type SecretSeal } from './client-secret-seal.ts';
import { IdentityProviders } from './identity-provider.ts';

/** What the single sign-on routes share: the providers' client, the secret seal and the addresses. */
export interface SsoServices {
  providers: IdentityProviders;
  seal: SecretSeal;
  /** The product's public origin (`API_PUBLIC_URL`, else `http://localhost:<PORT>`). */
  publicUrl: string;
  /** The one redirect URI every tenant registers at its provider. */
  callbackUri: string;
  signInTtl: number;
}

export async function createSsoServices(config: ApiConfig): Promise<SsoServices> {
  const publicUrl = config.API_PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  return {
    providers: new IdentityProviders({ allowHttp: config.API_SSO_ALLOW_HTTP_ISSUERS }),
    seal: secretSeal(await loadSealKey(config.API_SSO_SECRET_KEY, config.DATA_DIR)),
    publicUrl,
    callbackUri: `${publicUrl}${apiPrefix}/auth/sso/callback`,
    signInTtl: config.API_SSO_SIGN_IN_TTL,
  };
}
