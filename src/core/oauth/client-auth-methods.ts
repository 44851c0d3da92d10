/** Every client authentication method the product speaks; flow files and the sandbox use this list. */
export const CLIENT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
] as const;

export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];
