/**
 * Reads a decK declarative file (YAML or JSON, `_format_version: "3.0"`, or
 * Kong 2.x's "1.1" and "2.1") into the gateway model. Errors name the line and
 * the field; `{vault://...}` and `${{ env ... }}` references are kept exactly
 * as written, never resolved.
 */
import { LineCounter, isMap, isScalar, isSeq } from 'yaml';
import { parseUntrustedYaml } from '../untrusted-input';
import type { Document, Node as YamlNode, YAMLMap } from 'yaml';
import { OidcError } from '../errors';
import type { DeckConsumer, DeckFile, DeckPlugin, DeckRoute, DeckService } from './deck';
import type { GatewayErrorCode } from './error-codes';
import type { GatewayModel, JwtCredential, KongEntities, KongPluginEntity, KongRef, KongRouteEntity } from './model';
import { buildGatewayModel } from './model';

/** `_format_version` values this reader understands: Kong 3.x's, then the two Kong 2.x wrote. */
export const SUPPORTED_DECK_VERSIONS = ['3.0', '2.1', '1.1'] as const;

/** What decK says to run on a Kong 2.x file before Kong 3 takes it (go-database-reconciler pkg/utils/utils.go UpgradeMessage). */
const DECK_CONVERT = '`deck file convert --from kong-gateway-2.x --to kong-gateway-3.x`';

/**
 * A Kong 2.x path that Kong 2.x matched as a regular expression: any character
 * outside [a-zA-Z0-9._~/%-]. This is decK's own test (IsPathRegexLike in
 * Kong/go-database-reconciler pkg/utils/utils.go @8f5e476d), which
 * `deck file convert` uses to add the `~` prefix Kong 3 needs
 * (Kong/deck convert/route_updates.go migrateRoutesPathFieldPre300 @4657ee37).
 */
const KONG2_REGEX_LIKE = /[^a-zA-Z0-9._~/%-]/;

export interface ParsedDeckFile {
  deck: DeckFile;
  entities: KongEntities;
  warnings: string[];
}

type Kind = 'string' | 'number' | 'boolean' | 'strings' | 'map' | 'ref';

const SERVICE_FIELDS: Record<string, Kind> = {
  name: 'string',
  id: 'string',
  url: 'string',
  protocol: 'string',
  host: 'string',
  port: 'number',
  path: 'string',
};
const ROUTE_FIELDS: Record<string, Kind> = {
  name: 'string',
  id: 'string',
  paths: 'strings',
  methods: 'strings',
  hosts: 'strings',
  protocols: 'strings',
  strip_path: 'boolean',
  service: 'ref',
  expression: 'string',
};
const PLUGIN_FIELDS: Record<string, Kind> = {
  name: 'string',
  id: 'string',
  instance_name: 'string',
  enabled: 'boolean',
  config: 'map',
  route: 'ref',
  service: 'ref',
  consumer: 'ref',
};
const CONSUMER_FIELDS: Record<string, Kind> = { username: 'string', custom_id: 'string', id: 'string' };
const JWT_SECRET_FIELDS: Record<string, Kind> = {
  key: 'string',
  algorithm: 'string',
  rsa_public_key: 'string',
  secret: 'string',
};

const KIND_TEXT: Record<Kind, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  strings: 'a list of strings',
  map: 'a mapping',
  ref: 'a name or a mapping with name/id',
};

class DeckReader {
  private readonly lines = new LineCounter();
  private doc: Document | undefined;
  /** Set for a Kong 2.x file ("1.1", "2.1"): its paths are read as Kong 2.x read them. */
  private kong2Format: string | undefined;
  /** Kong 2.x paths read as regular expressions, "route: path" each, for the one warning that lists them. */
  private readonly kong2Regexes: string[] = [];

  constructor(
    private readonly fileName: string,
    private readonly text: string,
  ) {}

  line(node: YamlNode | null | undefined): number | undefined {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  fail(code: GatewayErrorCode, node: YamlNode | null | undefined, field: string, message: string, hint: string): never {
    const line = this.line(node);
    throw new OidcError(
      code,
      `decK file ${this.fileName}${line ? ` line ${line}` : ''}: ${field ? `${field} ` : ''}${message}`,
      {
        where: `${this.fileName}${line ? `:${line}` : ''}`,
        hint,
      },
    );
  }

  parse(): ParsedDeckFile {
    let doc: Document.Parsed;
    try {
      doc = parseUntrustedYaml(this.text, this.lines);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new OidcError(
        'gateway.deck_syntax',
        `decK file ${this.fileName} nests lists or mappings too deeply to read (thousands of levels); no decK file does.`,
        { where: this.fileName, hint: 'Check that this is a decK declarative file (decK gateway dump writes one).' },
      );
    }
    this.doc = doc;
    const syntax = doc.errors[0];
    if (syntax) {
      const line = syntax.linePos?.[0].line ?? this.lines.linePos(syntax.pos[0]).line;
      throw new OidcError(
        'gateway.deck_syntax',
        `decK file ${this.fileName}${line ? ` line ${line}` : ''} is not valid YAML or JSON: ${syntax.message.split('\n')[0]}`,
        {
          where: `${this.fileName}${line ? `:${line}` : ''}`,
          hint: 'Fix the syntax at that line (indentation, a missing colon or quote); `deck file validate` shows the same problem.',
        },
      );
    }
    const root = doc.contents;
    if (!isMap(root))
      this.fail(
        'gateway.deck_invalid',
        root,
        '',
        'must be a mapping at the top level (_format_version, services, routes, plugins, consumers).',
        'Check that this is a decK declarative file (decK gateway dump writes one).',
      );
    const warnings: string[] = [];
    this.checkVersion(root, warnings);
    const services = this.list(root, 'services', '');
    const routes = this.list(root, 'routes', '');
    const plugins = this.list(root, 'plugins', '');
    const consumers = this.list(root, 'consumers', '');

    const entities: KongEntities = { services: [], routes: [], plugins: [], consumers: [] };
    const deck: DeckFile = { _format_version: '3.0', services: [], routes: [], plugins: [], consumers: [] };
    services.forEach((node, index) => {
      const path = `services[${index}]`;
      const service = this.entity(node, path, SERVICE_FIELDS) as DeckService;
      const name = service.name ?? (service as { id?: string }).id ?? `service-${index + 1}`;
      entities.services.push({ ...service, name });
      const nested = this.list(node as YAMLMap, 'routes', path);
      service.routes = nested.map((routeNode, routeIndex) =>
        this.route(routeNode, `${path}.routes[${routeIndex}]`, { name }, `${name}-route-${routeIndex + 1}`, entities),
      );
      service.plugins = this.list(node as YAMLMap, 'plugins', path).map((pluginNode, pluginIndex) =>
        this.plugin(pluginNode, `${path}.plugins[${pluginIndex}]`, { service: { name } }, entities),
      );
      deck.services!.push(service);
    });
    routes.forEach((node, index) => {
      deck.routes!.push(this.route(node, `routes[${index}]`, undefined, `route-${index + 1}`, entities));
    });
    plugins.forEach((node, index) => {
      deck.plugins!.push(this.plugin(node, `plugins[${index}]`, {}, entities));
    });
    if (this.kong2Format) warnings.push(this.kong2Warning());
    consumers.forEach((node, index) => {
      const path = `consumers[${index}]`;
      const consumer = this.entity(node, path, CONSUMER_FIELDS) as DeckConsumer;
      if (!consumer.username && !consumer.custom_id)
        this.fail(
          'gateway.deck_invalid',
          node,
          path,
          'needs a username or a custom_id.',
          'Give every consumer a username or custom_id.',
        );
      // Only the names are kept: credentials (jwt_secrets, keyauth_credentials, basicauth_credentials...) hold
      // secrets, and the jwt ones are read on their own without theirs.
      for (const key of Object.keys(consumer))
        if (!(key in CONSUMER_FIELDS)) delete (consumer as Record<string, unknown>)[key];
      const jwtSecrets = this.list(node as YAMLMap, 'jwt_secrets', path).map((secretNode, secretIndex) =>
        this.jwtSecret(secretNode, `${path}.jwt_secrets[${secretIndex}]`),
      );
      entities.consumers!.push({ ...consumer, ...(jwtSecrets.length ? { jwtSecrets } : {}) });
      deck.consumers!.push(consumer);
      const ref: KongRef = { name: consumer.username ?? consumer.custom_id! };
      this.list(node as YAMLMap, 'plugins', path).forEach((pluginNode, pluginIndex) =>
        this.plugin(pluginNode, `${path}.plugins[${pluginIndex}]`, { consumer: ref }, entities),
      );
    });
    return { deck, entities, warnings };
  }

  private checkVersion(root: YAMLMap, warnings: string[]): void {
    const pair = root.items.find((item) => isScalar(item.key) && item.key.value === '_format_version');
    const supported = `Supported: ${SUPPORTED_DECK_VERSIONS.map((v) => `"${v}"`).join(', ')}`;
    if (!pair) {
      this.fail(
        'gateway.deck_version',
        root,
        '',
        `has no _format_version. ${supported} (Kong Gateway 3.x).`,
        'Add `_format_version: "3.0"` at the top (decK writes it on dump).',
      );
    }
    const node = pair.value as YamlNode | null;
    const value = isScalar(node) ? node.value : undefined;
    if (value === 3) {
      warnings.push(
        `_format_version is the number 3 (line ${this.line(node) ?? '?'}); quote it as "3.0" so YAML keeps it a string.`,
      );
      return;
    }
    if (typeof value !== 'string' || !(SUPPORTED_DECK_VERSIONS as readonly string[]).includes(value)) {
      const seen = isScalar(node) ? JSON.stringify(node.value) : 'not a scalar';
      this.fail(
        'gateway.deck_version',
        node,
        '_format_version',
        `is ${seen}, which this reader does not understand. ${supported}.`,
        `decK writes "3.0" for Kong 3.x and "1.1" for Kong 2.x; a file for Kong 2.x converts with ${DECK_CONVERT}.`,
      );
    }
    if (value !== '3.0') this.kong2Format = value;
  }

  /** Says how a Kong 2.x file was read and what decK makes of it against Kong 3. */
  private kong2Warning(): string {
    const regexes = this.kong2Regexes;
    const listed = regexes.slice(0, 10).join('; ') + (regexes.length > 10 ? `; and ${regexes.length - 10} more` : '');
    return (
      `_format_version "${this.kong2Format}" is decK's format for Kong 2.x, so this file was read as Kong 2.x reads it` +
      (regexes.length
        ? `: ${regexes.length} path${regexes.length === 1 ? '' : 's'} with regex characters ${regexes.length === 1 ? 'is' : 'are'} a regular expression there and ${regexes.length === 1 ? 'is' : 'are'} shown with the ~ prefix Kong 3 needs (${listed}).`
        : '.') +
      ` decK refuses to apply this format to Kong 3.x; convert the file with ${DECK_CONVERT}, which adds the same ~ prefixes.`
    );
  }
  private list(map: YAMLMap, key: string, path: string): YamlNode[] {
    const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
    if (!pair || pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return [];
    const field = path ? `${path}.${key}` : key;
    if (!isSeq(pair.value))
      this.fail(
        'gateway.deck_invalid',
        pair.value as YamlNode,
        field,
        `must be a list, got ${this.describe(pair.value as YamlNode)}.`,
        `Write ${key} as a YAML list ("- name: ...").`,
      );
    return pair.value.items as YamlNode[];
  }

  private describe(node: YamlNode | null): string {
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node))
      return node.value === null
        ? 'nothing'
        : `${typeof node.value === 'string' ? 'the string' : `the ${typeof node.value}`} ${JSON.stringify(node.value)}`;
    return 'something else';
  }

  /** Checks the known fields of one entity and returns it as plain data (nested lists handled by the caller). */
  private entity(node: YamlNode, path: string, fields: Record<string, Kind>): Record<string, unknown> {
    if (!isMap(node))
      this.fail(
        'gateway.deck_invalid',
        node,
        path,
        `must be a mapping, got ${this.describe(node)}.`,
        'Each entry is a mapping of fields ("name: ...").',
      );
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined || key === 'routes' || key === 'plugins') continue;
      const value = pair.value as YamlNode | null;
      const kind = fields[key];
      const data: unknown = value === null ? null : value.toJS(this.doc!);
      if (kind && data !== null && !this.fits(kind, value, data)) {
        this.fail(
          'gateway.deck_invalid',
          value,
          `${path}.${key}`,
          `must be ${KIND_TEXT[kind]}, got ${this.describe(value)}.`,
          `Fix ${key} at that line; see Kong's entity reference for its type.`,
        );
      }
      out[key] = data;
    }
    return out;
  }

  private fits(kind: Kind, node: YamlNode | null, data: unknown): boolean {
    switch (kind) {
      case 'string':
        return typeof data === 'string';
      case 'number':
        return typeof data === 'number';
      case 'boolean':
        return typeof data === 'boolean';
      case 'strings':
        return isSeq(node) && (data as unknown[]).every((item) => typeof item === 'string');
      case 'map':
        return isMap(node);
      case 'ref':
        return (
          typeof data === 'string' ||
          (isMap(node) && ['name', 'id'].some((k) => typeof (data as Record<string, unknown>)[k] === 'string'))
        );
    }
  }

  private ref(value: unknown): KongRef | undefined {
    if (typeof value === 'string') return { name: value };
    if (value && typeof value === 'object') {
      const { id, name } = value as KongRef;
      return { ...(typeof id === 'string' ? { id } : {}), ...(typeof name === 'string' ? { name } : {}) };
    }
    return undefined;
  }

  private route(
    node: YamlNode,
    path: string,
    service: KongRef | undefined,
    fallbackName: string,
    entities: KongEntities,
  ): DeckRoute {
    const route = this.entity(node, path, ROUTE_FIELDS) as DeckRoute;
    if (
      route.paths === undefined &&
      route.hosts === undefined &&
      route.methods === undefined &&
      !(route as Record<string, unknown>).headers &&
      !(route as Record<string, unknown>).snis &&
      !(route as Record<string, unknown>).expression
    ) {
      this.fail(
        'gateway.deck_invalid',
        node,
        path,
        'has none of paths, hosts, methods, headers or snis, so it matches nothing (Kong rejects it).',
        'Give the route at least paths: ["/..."].',
      );
    }
    const name = route.name ?? fallbackName;
    const paths = route.paths?.map((p) => this.kong3Path(name, p));
    if (paths) route.paths = paths;
    const entity: KongRouteEntity = {
      name,
      ...((route as { id?: string }).id ? { id: (route as { id?: string }).id } : {}),
      paths: paths ?? null,
      methods: route.methods ?? null,
      hosts: route.hosts ?? null,
      protocols: ((route as Record<string, unknown>).protocols as string[] | undefined) ?? null,
      strip_path: route.strip_path ?? true,
      service: service ?? this.ref(route.service) ?? null,
      ...(typeof (route as Record<string, unknown>).expression === 'string'
        ? { expression: (route as Record<string, unknown>).expression as string }
        : {}),
    };
    entities.routes.push(entity);
    route.plugins = this.list(node as YAMLMap, 'plugins', path).map((pluginNode, index) =>
      this.plugin(pluginNode, `${path}.plugins[${index}]`, { route: { name } }, entities),
    );
    return route;
  }

  /** One jwt credential (decK `jwt_secrets`, Kong's jwt_secrets DAO); of its shared secret only where it is written. */
  private jwtSecret(node: YamlNode, path: string): JwtCredential {
    const raw = this.entity(node, path, JWT_SECRET_FIELDS);
    const line = this.line(node);
    const origin = `${this.fileName}${line ? ` line ${line}` : ''} (${path})`;
    const secret = raw.secret;
    return {
      ...(typeof raw.key === 'string' ? { key: raw.key } : {}),
      ...(typeof raw.algorithm === 'string' ? { algorithm: raw.algorithm } : {}),
      ...(typeof raw.rsa_public_key === 'string' ? { rsa_public_key: raw.rsa_public_key } : {}),
      ...(typeof secret === 'string' && secret && !/^\{vault:\/\/[^}]+\}$/.test(secret) && !secret.includes('${{')
        ? { plaintextSecretAt: origin }
        : {}),
      origin,
    };
  }

  /** A path as Kong 3 writes what the file's Kong matches: a Kong 2.x regex gets its `~`, as `deck file convert` adds it. */
  private kong3Path(route: string, path: string): string {
    if (!this.kong2Format || path.startsWith('~') || !KONG2_REGEX_LIKE.test(path)) return path;
    this.kong2Regexes.push(`${route}: ${path}`);
    return `~${path}`;
  }

  private plugin(
    node: YamlNode,
    path: string,
    scope: Partial<Pick<KongPluginEntity, 'route' | 'service' | 'consumer'>>,
    entities: KongEntities,
  ): DeckPlugin {
    const plugin = this.entity(node, path, PLUGIN_FIELDS) as unknown as DeckPlugin & Record<string, unknown>;
    if (typeof plugin.name !== 'string' || !plugin.name)
      this.fail(
        'gateway.deck_invalid',
        node,
        `${path}.name`,
        'is missing: every plugin needs a name (e.g. openid-connect).',
        'Add the plugin name.',
      );
    const line = this.line(node);
    entities.plugins.push({
      name: plugin.name,
      ...(typeof plugin.id === 'string' ? { id: plugin.id } : {}),
      ...(plugin.instance_name ? { instance_name: plugin.instance_name } : {}),
      enabled: plugin.enabled !== false,
      config: (plugin.config ?? {}) as Record<string, unknown>,
      route: scope.route ?? this.ref(plugin.route) ?? null,
      service: scope.service ?? this.ref(plugin.service) ?? null,
      consumer: scope.consumer ?? this.ref(plugin.consumer) ?? null,
      origin: `${this.fileName}${line ? ` line ${line}` : ''} (${path})`,
    });
    return plugin;
  }
}

/** Parses a decK file's text; `fileName` is used in messages only. */
export function parseDeckFile(text: string, fileName = 'kong.yaml'): ParsedDeckFile {
  return new DeckReader(fileName, text).parse();
}

/** Reads a decK file's text into the gateway model. */
export function readDeckFile(text: string, fileName = 'kong.yaml'): GatewayModel {
  const parsed = parseDeckFile(text, fileName);
  return buildGatewayModel(
    parsed.entities,
    { kind: 'deck', description: `decK file ${fileName}` },
    { fromFile: true, warnings: parsed.warnings, jwtCredentialsRead: true },
  );
}
