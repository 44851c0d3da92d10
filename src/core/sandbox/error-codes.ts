/** The codes of starting the local sandbox (IdP, gateway, echo upstream). */
export type SandboxErrorCode =
  | 'sandbox.deck_env'
  | 'sandbox.gateway.listen'
  | 'sandbox.gateway.log_unwritable'
  | 'sandbox.idp.body_too_large'
  | 'sandbox.idp.listen'
  | 'sandbox.idp.unknown_client'
  | 'sandbox.idp.unknown_user'
  | 'sandbox.upstream.listen';

// Raised by the sign-in walker in test/support/idp-login.ts, which fills in the
// sandbox IdP's own pages; declared here so its tests compare typed codes.
export type SandboxLoginErrorCode =
  | 'sandbox.login.device_not_approved'
  | 'sandbox.login.error_page'
  | 'sandbox.login.no_redirect'
  | 'sandbox.login.rejected'
  | 'sandbox.login.too_many_steps';
