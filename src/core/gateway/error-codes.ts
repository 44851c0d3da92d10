/**
 * The codes of reading a gateway's configuration: the Kong Admin API,
 * Konnect, decK and Apache files.
 */

/** The two Kong APIs read by kong-pages; each names its failures after itself. */
export type KongApiCodePrefix = 'gateway.admin' | 'gateway.konnect';

/** What kong-pages says about an answer from either API, e.g. gateway.konnect_not_found. */
export type KongApiErrorCode = `${KongApiCodePrefix}_${'malformed' | 'not_found' | 'status' | 'unauthorized'}`;

export type GatewayErrorCode =
  | 'gateway.admin_url'
  | 'gateway.apache_syntax'
  | 'gateway.deck_invalid'
  | 'gateway.deck_syntax'
  | 'gateway.deck_version'
  | 'gateway.file_unreadable'
  | 'gateway.konnect_control_plane_ambiguous'
  | 'gateway.konnect_control_plane_not_found'
  | 'gateway.konnect_region'
  | KongApiErrorCode;
