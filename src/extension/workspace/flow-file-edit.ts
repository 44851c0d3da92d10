/**
 * Edits of flow-file text that keep the person's formatting and comments
 * (YAML through the yaml Document API; JSON re-printed with two spaces).
 * No vscode import.
 */
import { isMap, parseDocument } from 'yaml';
import type { IdpConfig } from '../../core/flow/file-format';

export type FlowFileFormat = 'yaml' | 'json';

/** `json` for *.json paths, else `yaml`. */
export function formatOf(path: string): FlowFileFormat {
  return /\.json$/i.test(path) ? 'json' : 'yaml';
}

/** A new flow file holding one IdP. */
export function newFlowFileText(format: FlowFileFormat, name: string, idp: IdpConfig): string {
  if (format === 'json') return `${JSON.stringify({ version: 1, idps: { [name]: idp } }, null, 2)}\n`;
  const doc = parseDocument('version: 1\n');
  doc.setIn(['idps', name], doc.createNode(idp));
  return `# Secrets are never written here: \${secret:KEY} reads VS Code's secret storage, \${env:NAME} the environment.\n${doc.toString()}`;
}

/** The text with `idps.<name>` set; throws when the text does not parse (the caller shows the problem). */
export function setIdpInText(text: string, format: FlowFileFormat, name: string, idp: IdpConfig): string {
  if (format === 'json') {
    const data = JSON.parse(text) as { idps?: Record<string, unknown> };
    data.idps = { ...(data.idps ?? {}), [name]: idp };
    return `${JSON.stringify(data, null, 2)}\n`;
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
  if (!isMap(doc.contents)) throw new Error('the file is not a YAML mapping');
  doc.setIn(['idps', name], doc.createNode(idp));
  return doc.toString();
}

/** The text without `idps.<name>`. */
export function removeIdpFromText(text: string, format: FlowFileFormat, name: string): string {
  if (format === 'json') {
    const data = JSON.parse(text) as { idps?: Record<string, unknown> };
    if (data.idps) delete data.idps[name];
    return `${JSON.stringify(data, null, 2)}\n`;
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
  doc.deleteIn(['idps', name]);
  return doc.toString();
}

/** A name for a new entry: `base`, else `base-2`, `base-3`… not in `taken`. */
export function freeName(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i += 1) if (!taken.includes(`${base}-${i}`)) return `${base}-${i}`;
}

/** The IdP entry the Okta preset writes: domain and authorization server; the secret as a reference. */
export function oktaIdp(options: {
  domain: string;
  authorizationServerId: string;
  clientId: string;
  clientAuth: IdpConfig['clientAuth'];
  secretKey?: string;
  scopes?: string[];
}): IdpConfig {
  const idp: IdpConfig = {
    description: `Okta ${options.authorizationServerId === 'org' ? 'org authorization server' : `authorization server ${options.authorizationServerId}`} at ${options.domain}.`,
    okta: { domain: options.domain, authorizationServerId: options.authorizationServerId },
    clientId: options.clientId,
    clientAuth: options.clientAuth,
  };
  if (options.secretKey) idp.clientSecret = `\${secret:${options.secretKey}}`;
  if (options.scopes && options.scopes.length > 0) idp.scopes = options.scopes;
  return idp;
}

/** The IdP entry for the local sandbox: everything from the sandbox's ${env:SANDBOX_*} values. */
export function sandboxIdp(): IdpConfig {
  return {
    description: 'The local sandbox IdP (starts with OIDC Flow: Start Sandbox, or by itself when a run needs it).',
    issuer: '${env:SANDBOX_ISSUER}',
    caFile: '${env:SANDBOX_CA_FILE}',
    clientId: '${env:SANDBOX_CLIENT_ID}',
    clientAuth: 'client_secret_basic',
    clientSecret: '${env:SANDBOX_CLIENT_SECRET}',
    scopes: ['orders:read'],
  };
}

/** An Okta domain as typed, cleaned: no scheme, no path, no trailing slash. */
export function cleanOktaDomain(input: string): string {
  return input
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/.*$/, '');
}
