import type { FlowFile } from '../flow/file-format';

/**
 * Importers read another tool's export into a small neutral model
 * (SourceCollection), then one builder turns that model into a flow file.
 * Everything format-specific stays in the readers; chaining, ordering,
 * secrets and naming live in the builder, so every format behaves alike.
 */

/** Something in the export the flow file could not express; never holds a secret value. */
export interface NotCarried {
  /** Where it was in the export, e.g. `request "Get orders" > auth.pkceMethod`. */
  item: string;
  reason: string;
}

/** A secret found in the export and replaced by `${env:NAME}`. */
export interface SecretUse {
  /** The environment variable the user must set, e.g. OKTA_CLIENT_SECRET. */
  name: string;
  /** Where the reference sits in the flow file (and where the secret was in the export). */
  where: string;
}

export interface ImportResult {
  file: FlowFile;
  /** The flow file as YAML, with a header comment saying where it came from. */
  yaml: string;
  notCarried: NotCarried[];
  secrets: SecretUse[];
}

export interface ImportOptions {
  /** The export's file name, shown in the YAML header. */
  fileName: string;
  /** Postman environment exports to import with a Postman collection (`--environment`), by file. */
  environments?: Array<{ text: string; fileName: string }>;
}

export type SourceFormat = 'Insomnia v4' | 'Insomnia v5' | 'Postman v2.0' | 'Postman v2.1';

/** How template strings are written in the export. */
export type TemplateDialect = 'insomnia' | 'postman';

export interface KeyValue {
  name: string;
  value: string;
}

export interface SourceBody {
  mimeType?: string;
  text?: string;
  params?: Array<KeyValue & { file?: boolean }>;
  /** A body read from a file on the exporting machine. */
  fileName?: string;
  /** Postman GraphQL bodies. */
  graphql?: { query?: string; variables?: string };
}

export interface OAuth2Settings {
  grantType: string;
  accessTokenUrl?: string;
  authorizationUrl?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  audience?: string;
  resource?: string;
  username?: string;
  password?: string;
  refreshToken?: string;
  redirectUrl?: string;
  credentialsInBody?: boolean;
  usePkce?: boolean;
  pkceMethod?: string;
  tokenPrefix?: string;
  /** Settings the flow file has no place for, by their name in the export; reported, never printed. */
  extras: Record<string, string>;
}

export type SourceAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string; prefix?: string }
  /** HTTP Basic: on a request to an IdP it is the client's id and secret. */
  | { type: 'basic'; username: string; password: string }
  | { type: 'oauth2'; settings: OAuth2Settings }
  | { type: 'apikey'; key: string; value: string; addTo: 'header' | 'query' | 'cookie' }
  | { type: 'unsupported'; kind: string };

export interface SourceRequest {
  /** The export's own id (Insomnia `req_…`), which response tags point at. */
  ref: string;
  name: string;
  /** Folder names from the top, for the step title. */
  folders: string[];
  method: string;
  url: string;
  params: KeyValue[];
  headers: KeyValue[];
  body?: SourceBody;
  /** Effective auth after inheritance; undefined when none. */
  auth?: SourceAuth;
  /** Where the effective auth was set, e.g. `folder "Orders" > auth`. */
  authLabel: string;
  /** Script that runs before the request (pre-request). */
  preRequestScript?: string;
  /** Script that runs after the response (Postman tests, Insomnia after-response). */
  afterResponseScript?: string;
}

export interface SourceEnvironment {
  name: string;
  /** Values as exported; nested objects (Insomnia) are flattened by the builder. */
  values: Record<string, unknown>;
}

/** An export read into the neutral model. */
export interface SourceCollection {
  format: SourceFormat;
  dialect: TemplateDialect;
  name: string;
  environments: SourceEnvironment[];
  requests: SourceRequest[];
  /** What the reader itself could not carry (scripts on folders, gRPC requests…). */
  notCarried: NotCarried[];
}
