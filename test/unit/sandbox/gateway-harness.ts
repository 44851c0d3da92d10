/**
 * The sandbox gateway between a fake IdP (which tokens verify, which are
 * active) and the echo upstream, with its error log kept in memory: what
 * the gateway unit tests share.
 */
import { request } from 'undici';
import { ManualClock } from '../../../src/core/clock';
import type { DeckConsumer, DeckFile } from '../../../src/core/gateway/deck';
import type { KongOidcConfig } from '../../../src/core/gateway/kong-oidc-config';
import { startEchoUpstream } from '../../../src/core/sandbox/echo-upstream';
import type { EchoUpstream } from '../../../src/core/sandbox/echo-upstream';
import { startSandboxGateway } from '../../../src/core/sandbox/gateway';
import type {
  GatewayEvent,
  GatewayTokenChecks,
  IdpMetadata,
  JwtCheck,
  SandboxGateway,
} from '../../../src/core/sandbox/gateway';

export const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
export const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
export const ISSUER = 'https://idp.example.com:8443/oauth2/default';
export const jwtClaims = {
  iss: 'https://idp/oauth2/default',
  sub: 'cc-basic',
  cid: 'cc-basic',
  scp: ['orders:read'],
  exp: NOW / 1000 + 3600,
};

/** IdP stand-in: which tokens are active, and how many introspection calls were made. */
export class FakeIdp implements GatewayTokenChecks {
  active = new Map<string, Record<string, unknown>>();
  /** Tokens that verify locally, with their payloads; JWT verifies with jwtClaims. */
  jwts = new Map<string, Record<string, unknown>>([[JWT, jwtClaims]]);
  /** What verification of any other JWT says (Kong's words), if anything. */
  failure: JwtCheck = { ok: false, code: 'jwt.signature_invalid' };
  /** Set to make the introspection call itself fail with this message. */
  introspectionError?: string;
  introspections = 0;
  meta: IdpMetadata = {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/v1/authorize`,
    code_challenge_methods_supported: ['S256'],
  };
  async verifyJwt(token: string): Promise<JwtCheck> {
    const payload = this.jwts.get(token);
    return payload ? { ok: true, header: { alg: 'RS256' }, payload } : this.failure;
  }
  async introspect(token: string) {
    this.introspections += 1;
    if (this.introspectionError) throw new Error(this.introspectionError);
    const claims = this.active.get(token);
    return claims
      ? { active: true, claims: { active: true, ...claims } }
      : { active: false, claims: { active: false } };
  }
  /** Tokens the userinfo endpoint accepts, with the user's claims. */
  users = new Map<string, Record<string, unknown>>();
  async userinfo(token: string) {
    const user = this.users.get(token);
    if (!user) throw new Error('invalid status code received from the userinfo endpoint (401)');
    return user;
  }
  async metadata() {
    return this.meta;
  }
}

/** A decK file with one service and one route behind one plugin (openid-connect unless told). */
export function deck(
  upstream: string,
  config: Record<string, unknown>,
  consumers: DeckConsumer[] = [],
  route: { name?: string; path?: string; plugin?: string } = {},
): DeckFile {
  const name = route.name ?? 'orders';
  return {
    _format_version: '3.0',
    services: [
      {
        name,
        url: upstream,
        routes: [
          { name, paths: [route.path ?? '/orders'], plugins: [{ name: route.plugin ?? 'openid-connect', config }] },
        ],
      },
    ],
    consumers,
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Registers the hooks in the calling describe() and returns what its tests use. */
export function gatewayHarness() {
  const h = {
    upstream: undefined as unknown as EchoUpstream,
    gateway: undefined as unknown as SandboxGateway,
    idp: new FakeIdp(),
    clock: new ManualClock(NOW),
    events: [] as GatewayEvent[],
    /** The error-log lines written so far. */
    log: [] as string[],
    /** Random bytes: counting up, so ids differ and tests can predict nothing else. */
    counter: 0,
    async start(config: KongOidcConfig | DeckFile, consumers?: DeckConsumer[]) {
      const file =
        '_format_version' in config ? (config as DeckFile) : deck(h.upstream.url, config as KongOidcConfig, consumers);
      h.gateway = await startSandboxGateway({
        deck: file,
        checks: h.idp,
        clock: h.clock,
        onDecision: (e) => h.events.push(e),
        errorLog: { write: (line) => h.log.push(line) },
        logUtcOffsetMinutes: 60,
        random: (n) => {
          h.counter += 1;
          return new Uint8Array(n).fill(h.counter);
        },
      });
      return h.gateway;
    },
    deck: (config: KongOidcConfig, consumers?: DeckConsumer[]) => deck(h.upstream.url, config, consumers),
    async call(
      path: string,
      headers: Record<string, string> = {},
      options: { method?: 'GET' | 'POST'; body?: string } = {},
    ): Promise<Answer> {
      const res = await request(`${h.gateway.url}${path}`, {
        headers,
        method: options.method ?? 'GET',
        body: options.body,
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers as Record<string, string>, text };
    },
  };
  before(async () => {
    h.upstream = await startEchoUpstream();
  });
  after(async () => h.upstream.close());
  beforeEach(() => {
    h.idp = new FakeIdp();
    h.clock = new ManualClock(NOW);
    h.events.length = 0;
    h.log.length = 0;
  });
  afterEach(async () => h.gateway?.close());
  return h;
}
