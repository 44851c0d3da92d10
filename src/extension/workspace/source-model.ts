/**
 * The workspace as the sidebar sees it: flow files (and the sandbox while it
 * runs), each with its IdPs, routes and flows. Pure data derived from loaded
 * flow files, with stable ids so tree selection and expansion survive
 * refreshes. No vscode import.
 */
import type { EndpointName, FlowFile, StepDef } from '../../core/flow/file-format';

export const SANDBOX_SOURCE_ID = 'sandbox';

export interface FlowSource {
  /** The file's URI as a string, or `sandbox`. */
  id: string;
  kind: 'file' | 'sandbox';
  /** Workspace-relative path, or "Sandbox". */
  label: string;
  /** Present when the file loaded without errors. */
  file?: FlowFile;
  /** Errors that kept the file from loading, counted. */
  errorCount: number;
  firstError?: string;
  /** Values for ${env:...} that this source adds (the sandbox's SANDBOX_*); never shown. */
  env?: Record<string, string>;
}

export interface IdpEntry {
  id: string;
  sourceId: string;
  sourceLabel: string;
  sourceKind: FlowSource['kind'];
  name: string;
  description?: string;
  /** Rendered for display when a DisplayContext is given (see displayValue), else as written. */
  issuer?: string;
  /** The issuer as the file writes it, when that differs from `issuer`. */
  issuerAsWritten?: string;
  clientId?: string;
  clientAuth?: string;
  okta?: { domain: string; authorizationServerId?: string };
  endpoints: Partial<Record<EndpointName, string>>;
  scopes?: string[];
  /** Key of a ${secret:...} reference in clientSecret, when there is one. */
  secretKey?: string;
  /** Every secret-store key the entry names (client secret, private key, certificate). */
  secretKeys: string[];
}

export interface RouteEntry {
  id: string;
  sourceId: string;
  sourceLabel: string;
  sourceKind: FlowSource['kind'];
  name: string;
  service: string;
  method: string;
  /** Rendered for display when a DisplayContext is given, else as written. */
  url: string;
  /** The URL as the file writes it, when that differs from `url`. */
  urlAsWritten?: string;
  /** e.g. "openid-connect (introspection)". */
  plugin: string;
  description?: string;
}

export interface FlowStepEntry {
  id: string;
  stepId: string;
  type: StepDef['type'];
  name?: string;
}

export interface FlowEntry {
  id: string;
  sourceId: string;
  sourceLabel: string;
  name: string;
  description?: string;
  steps: FlowStepEntry[];
}

/** Stable ids: the same IdP, route or flow in the same file keeps its id. */
export const entryId = {
  source: (sourceId: string) => `source:${sourceId}`,
  idp: (sourceId: string, name: string) => `idp:${sourceId}#${name}`,
  route: (sourceId: string, name: string) => `route:${sourceId}#${name}`,
  flow: (sourceId: string, name: string) => `flow:${sourceId}#${name}`,
  step: (sourceId: string, flow: string, step: string) => `step:${sourceId}#${flow}/${step}`,
};

const SECRET_REF = /^\$\{secret:([A-Za-z0-9_.\-/]+)\}$/;

/**
 * What the sidebar renders templates with: the environment each source runs
 * in (the remembered choice, else the file's default) and the process's
 * environment variables. `${secret:...}` is never rendered.
 */
export interface DisplayContext {
  envOf?: (sourceId: string) => string | undefined;
  processEnv?: Record<string, string | undefined>;
}

/** Where the extension remembers each source's chosen environment (workspace state). */
export const ENV_CHOICE_KEY = 'oidcFlow.envChoice.v1';

/** The display context from the workspace state's remembered environments and the process's variables. */
export function displayContext(
  state: { get<T>(key: string): T | undefined },
  processEnv: Record<string, string | undefined>,
): DisplayContext {
  return { envOf: (sourceId) => state.get<Record<string, string>>(ENV_CHOICE_KEY)?.[sourceId], processEnv };
}

const ENV_TEMPLATE = /\{\{\s*env\.([A-Za-z0-9_-]+)\s*\}\}/g;
const ENV_REF = /\$\{env:([A-Za-z0-9_.\-/]+)\}/g;

function environmentOf(source: FlowSource, context: DisplayContext): Record<string, unknown> {
  const envs = source.file?.environments ?? {};
  const remembered = context.envOf?.(source.id);
  const name =
    remembered !== undefined && Object.hasOwn(envs, remembered)
      ? remembered
      : (source.file?.defaultEnvironment ?? (Object.hasOwn(envs, 'default') ? 'default' : Object.keys(envs)[0]));
  return name !== undefined ? (envs[name] ?? {}) : {};
}

/**
 * A value as the tree shows it: `{{env.x}}` from the source's environment
 * and `${env:X}` from the sandbox's or the process's variables; whatever
 * cannot be resolved stays as written, so nothing is guessed.
 */
export function displayValue(text: string, source: FlowSource, context: DisplayContext): string {
  if (!text.includes('{{') && !text.includes('${env:')) return text;
  const vars = (value: string) =>
    value.replace(ENV_REF, (whole, name: string) => source.env?.[name] ?? context.processEnv?.[name] ?? whole);
  const env = environmentOf(source, context);
  return vars(
    text.replace(ENV_TEMPLATE, (whole, key: string) => {
      const value = env[key];
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? vars(String(value))
        : whole;
    }),
  );
}

function issuerOf(idp: NonNullable<FlowFile['idps']>[string]): string | undefined {
  if (idp.issuer) return idp.issuer.replace(/\/+$/, '');
  if (!idp.okta) return undefined;
  const server = idp.okta.authorizationServerId ?? 'default';
  return server === 'org' ? `https://${idp.okta.domain}` : `https://${idp.okta.domain}/oauth2/${server}`;
}

/** The IdPs of every source, sandbox first, then files in path order. */
export function idpEntries(sources: readonly FlowSource[], display?: DisplayContext): IdpEntry[] {
  return ordered(sources).flatMap((source) =>
    Object.entries(source.file?.idps ?? {}).map(([name, idp]) => {
      const written = issuerOf(idp);
      const shown =
        written !== undefined && display ? displayValue(written, source, display).replace(/\/+$/, '') : written;
      return {
        id: entryId.idp(source.id, name),
        sourceId: source.id,
        sourceLabel: source.label,
        sourceKind: source.kind,
        name,
        description: idp.description,
        issuer: shown,
        ...(shown !== written ? { issuerAsWritten: written } : {}),
        clientId: idp.clientId && display ? displayValue(idp.clientId, source, display) : idp.clientId,
        clientAuth: idp.clientAuth ?? (idp.clientSecret ? 'client_secret_basic' : idp.clientId ? 'none' : undefined),
        okta: idp.okta,
        endpoints: Object.fromEntries(
          Object.entries(idp.endpoints ?? {}).map(([key, url]) => [
            key,
            display && typeof url === 'string' ? displayValue(url, source, display) : url,
          ]),
        ),
        scopes: idp.scopes,
        secretKey: idp.clientSecret ? SECRET_REF.exec(idp.clientSecret)?.[1] : undefined,
        secretKeys: [idp.clientSecret, idp.privateKey, idp.certificate].flatMap((value) => {
          const key = typeof value === 'string' ? SECRET_REF.exec(value)?.[1] : undefined;
          return key ? [key] : [];
        }),
      };
    }),
  );
}

function pluginText(route: NonNullable<FlowFile['routes']>[string]): string {
  const gateway = route.gateway;
  if (!gateway) return 'no gateway config';
  const name =
    gateway.plugin ??
    (gateway.kind === 'kong' ? 'openid-connect' : gateway.kind === 'apache' ? 'mod_auth_openidc' : gateway.kind);
  const methods = gateway.config?.auth_methods;
  return Array.isArray(methods) && methods.length > 0 ? `${name} (${methods.join(', ')})` : name;
}

/** The routes of every source, with the service they belong to. */
export function routeEntries(sources: readonly FlowSource[], display?: DisplayContext): RouteEntry[] {
  return ordered(sources).flatMap((source) =>
    Object.entries(source.file?.routes ?? {}).map(([name, route]) => {
      const written = `${route.baseUrl.replace(/\/$/, '')}${route.path ?? ''}`;
      const url = display ? displayValue(written, source, display) : written;
      return {
        id: entryId.route(source.id, name),
        sourceId: source.id,
        sourceLabel: source.label,
        sourceKind: source.kind,
        name,
        service: route.service ?? '(no service)',
        method: route.method ?? 'GET',
        url,
        ...(url !== written ? { urlAsWritten: written } : {}),
        plugin: pluginText(route),
        description: route.description,
      };
    }),
  );
}

/** Routes grouped by service name, services sorted, routes in file order. */
export function routesByService(routes: readonly RouteEntry[]): Array<{ service: string; routes: RouteEntry[] }> {
  const groups = new Map<string, RouteEntry[]>();
  for (const route of routes) groups.set(route.service, [...(groups.get(route.service) ?? []), route]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, list]) => ({ service, routes: list }));
}

/** The flows of every file source (the sandbox's built-in demo is run by its own command). */
export function flowEntries(sources: readonly FlowSource[]): FlowEntry[] {
  return ordered(sources).flatMap((source) =>
    Object.entries(source.file?.flows ?? {}).map(([name, flow]) => ({
      id: entryId.flow(source.id, name),
      sourceId: source.id,
      sourceLabel: source.label,
      name,
      description: flow.description,
      steps: flow.steps.map((step) => ({
        id: entryId.step(source.id, name, step.id),
        stepId: step.id,
        type: step.type,
        name: step.name,
      })),
    })),
  );
}

function ordered(sources: readonly FlowSource[]): FlowSource[] {
  return [...sources].sort((a, b) =>
    a.kind === b.kind ? a.label.localeCompare(b.label) : a.kind === 'sandbox' ? -1 : 1,
  );
}

/** A flow file containing only `steps` as one flow, next to the source's IdPs, routes and environments. */
export function singleStepFile(
  file: FlowFile,
  flowName: string,
  steps: StepDef[],
  vars?: Record<string, unknown>,
): FlowFile {
  return { ...file, flows: { [flowName]: { steps, ...(vars ? { vars } : {}) } } };
}

/** The flow cut to run up to and including `stepId` (Run step…: earlier steps feed it). */
export function flowUpTo(file: FlowFile, flowName: string, stepId: string): FlowFile | undefined {
  const flow = file.flows?.[flowName];
  if (!flow) return undefined;
  const index = flow.steps.findIndex((s) => s.id === stepId);
  if (index < 0) return undefined;
  return { ...file, flows: { ...file.flows, [flowName]: { ...flow, steps: flow.steps.slice(0, index + 1) } } };
}
