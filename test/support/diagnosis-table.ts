import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify as stringifyYaml } from 'yaml';
import type { VerdictCode } from '../../src/core/diagnosis/diagnose';
import type { FlowFile, RouteConfig, StepDef } from '../../src/core/flow/file-format';
import { FlowRunner } from '../../src/core/flow/runner';
import type { SandboxAdmin } from '../../src/core/flow/runner';
import { createHttpClient } from '../../src/core/http/client';
import { headerValue } from '../../src/core/http/headers';
import { createCertificateAuthority } from '../../src/core/sandbox/certs';
import type { DeckFile, DeckRoute } from '../../src/core/gateway/deck';
import { sandboxDeck, startSandbox } from '../../src/core/sandbox/sandbox';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { apacheUnavailable, startApacheGateway } from './apache';
import type { ApacheGateway, ApacheIntrospectionOptions, ApacheLocalJwtOptions } from './apache';
import { glewlwydUnavailable, startGlewlwyd } from './glewlwyd';
import type { Glewlwyd } from './glewlwyd';

/**
 * Issue 11's proof: every verdict case staged for real against real peers
 * (Apache mod_auth_openidc introspecting and verifying JWTs locally, the
 * sandbox's Kong-like gateway; the sandbox's oidc-provider IdP and Debian's
 * Glewlwyd), each call made through the FlowRunner so the verdict is the one
 * a user would read. scripts/diagnosis-table.ts prints and writes the table;
 * test/integration/diagnosis-table.test.ts keeps the ✔ rows ✔.
 */

const run = promisify(execFile);

/** What a row expects: a verdict code, or 'ok' for a call the gateway let through without one. */
export type Outcome = VerdictCode | 'ok';

export interface DiagnosisRow {
  case: string;
  gateway: string;
  idp: string;
  /** The gateway's status; undefined for n/a rows. */
  status?: number;
  /** Any of these is right (the brief allows two for a deactivated client). */
  expected: Outcome[];
  /** The verdict's code ('ok' for a 2xx with no verdict); undefined for n/a rows. */
  got?: Outcome;
  /** The verdict's sentence, or why the row is not staged. */
  sentence: string;
  /** undefined: not staged (n/a). */
  right?: boolean;
  /** The gateway's WWW-Authenticate header, when it sent one. */
  challenge?: string;
  /** The gateway's own log lines about the call, when the verdict read them. */
  log?: string[];
  /** Why a call failed to run, when it did. */
  error?: string;
}

export interface PeerVersions {
  apache: string;
  packages: string;
  oidcProvider: string;
}

const ROUTE_PATH = '/orders';
const OTHER_AUDIENCE = 'https://other-api.example';
const OTHER_ISSUER = 'https://other-issuer.example/oauth2/default';
/** The access token lifetime of the short-lived IdPs (the expired case waits past it). */
const SHORT_TOKEN_SECONDS = 2;
const CASE_TIMEOUT_MS = 15_000;
/**
 * Seen against Glewlwyd 2.7.5: a client disabled through the admin API gets 403 at the token endpoint
 * and 401 introspecting, but the tokens it already has stay active for everyone else, so the gateway
 * rightly lets them through and there is nothing for a verdict to explain.
 */
const GLEWLWYD_DISABLED_CLIENT = {
  expected: 'ok',
  note: "Glewlwyd 2.7.5 keeps a disabled client's tokens active: the gateway's introspection still gets active:true",
} satisfies Partial<CaseDef>;

/** One gateway in front of one IdP, as a flow file's route sees it. */
interface Target {
  gateway: string;
  idp: string;
  route: RouteConfig;
  issuer: string;
  caFile: string;
  app: { clientId: string; clientSecret: string };
  admin?: SandboxAdmin;
}

/** A case: the steps before the call, the call, and what the verdict must say. */
interface CaseDef {
  name: string;
  expected: Outcome | Outcome[];
  steps: StepDef[];
  /** What this peer does differently, shown after the sentence. */
  note?: string;
}

const token: StepDef = { id: 'token', type: 'token', idp: 'app', reuse: false, refetchOnExpiry: false };
const call = (extra: Partial<StepDef> = {}): StepDef =>
  ({ id: 'call', type: 'call', route: 'orders', ...extra }) as StepDef;
const revoke: StepDef = { id: 'revoke', type: 'revoke', idp: 'app', token: '{{steps.token.token.access_token}}' };
const introspect: StepDef = {
  id: 'introspect',
  type: 'introspect',
  idp: 'app',
  token: '{{steps.token.token.access_token}}',
};

const CASES = {
  live: { name: 'live token', expected: 'ok', steps: [token, call()] },
  noToken: { name: 'no token', expected: 'no_token', steps: [call({ token: false } as Partial<StepDef>)] },
  revoked: { name: 'revoked token', expected: 'token_inactive', steps: [token, revoke, call()] },
  garbage: {
    name: 'garbage token `abc`',
    expected: 'not_a_token',
    steps: [call({ token: 'abc' } as Partial<StepDef>)],
  },
  wrongSecret: {
    name: "gateway's introspection client secret wrong",
    expected: 'gateway_introspection_failed',
    steps: [token, call()],
  },
  untrustedCa: {
    name: "gateway does not trust the IdP's CA",
    expected: 'gateway_introspection_failed',
    steps: [token, call()],
  },
  query: {
    name: 'token in the query string',
    expected: 'token_wrong_place',
    steps: [token, call({ route: 'orders-query' } as Partial<StepDef>)],
  },
  expired: {
    name: 'expired token',
    expected: 'token_expired',
    steps: [
      token,
      { id: 'wait', type: 'wait', seconds: SHORT_TOKEN_SECONDS + 2 },
      call({ token: '{{steps.token.token.access_token}}' } as Partial<StepDef>),
    ],
  },
  wrongAudience: { name: 'wrong audience (local JWT)', expected: 'audience_mismatch', steps: [token, call()] },
  wrongIssuer: { name: 'wrong issuer (local JWT)', expected: 'issuer_mismatch', steps: [token, call()] },
  deactivated: {
    name: 'deactivated client (IdP admin)',
    // Okta deactivates the app and its tokens together: either word is true; the verdict says which it could tell.
    expected: ['client_deactivated', 'token_inactive'],
    steps: [
      token,
      { id: 'deactivate', type: 'admin', idp: 'app', action: 'deactivateClient' },
      call(),
      { id: 'reactivate', type: 'admin', idp: 'app', action: 'reactivateClient' },
    ],
  },
} satisfies Record<string, CaseDef>;

type CaseId = keyof typeof CASES;
export const CASE_IDS = Object.keys(CASES) as CaseId[];

/** The flow file of one case against one target: the app's IdP, the route (and its query-string twin). */
function flowFile(target: Target, def: CaseDef): FlowFile {
  return {
    version: 1,
    idps: {
      app: {
        issuer: target.issuer,
        caFile: target.caFile,
        clientId: target.app.clientId,
        clientSecret: target.app.clientSecret,
        clientAuth: 'client_secret_basic',
        scopes: ['orders:read'],
      },
    },
    routes: {
      orders: target.route,
      'orders-query': { ...target.route, token: { in: 'query', name: 'access_token' } },
    },
    flows: { case: { steps: def.steps } },
  };
}

const expectedOf = (def: CaseDef): Outcome[] => (Array.isArray(def.expected) ? def.expected : [def.expected]);

async function stage(
  target: Target,
  id: CaseId,
  http: ReturnType<typeof createHttpClient>,
  override?: Partial<CaseDef>,
): Promise<DiagnosisRow> {
  const def: CaseDef = { ...CASES[id], ...override };
  const row: DiagnosisRow = {
    case: def.name,
    gateway: target.gateway,
    idp: target.idp,
    expected: expectedOf(def),
    sentence: '',
  };
  try {
    const result = await new FlowRunner(flowFile(target, def), {
      http,
      secrets: { env: {} },
      // Each case is a few seconds; one that hangs is cut off and shows as ✘ with why.
      signal: AbortSignal.timeout(CASE_TIMEOUT_MS),
      ...(target.admin ? { admin: target.admin } : {}),
    }).run({ flow: 'case' });
    const failed = result.steps.find((s) => s.id !== 'call' && s.status !== 'passed');
    const step = result.steps.find((s) => s.id === 'call');
    if (failed || !step?.result.response) {
      const broken = failed ?? step;
      row.error = `step ${broken?.id ?? 'call'}: ${broken?.error?.message ?? broken?.status ?? 'did not run'}`;
      row.sentence = `not staged: ${row.error}`;
      row.right = false;
      return row;
    }
    const status = step.result.response.status;
    row.status = status;
    const challenge = headerValue(step.result.response.headers, 'www-authenticate');
    if (challenge) row.challenge = Array.isArray(challenge) ? challenge.join(', ') : challenge;
    const verdict = step.verdict;
    row.got = verdict?.code ?? (status >= 200 && status < 300 ? 'ok' : undefined);
    row.sentence = verdict?.summary ?? (row.got === 'ok' ? `The gateway answered ${status}.` : `No verdict.`);
    const logged = verdict?.evidence.filter((e) => e.source === 'gateway-log').map((e) => e.text);
    if (logged?.length) row.log = logged;
    row.right = row.got !== undefined && row.expected.includes(row.got);
    if (def.note) row.sentence += ` (${def.note})`;
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error);
    row.sentence = `not staged: ${row.error}`;
    row.right = false;
  }
  return row;
}

function notApplicable(gateway: string, idp: string, id: CaseId, why: string): DiagnosisRow {
  return { case: CASES[id].name, gateway, idp, expected: expectedOf(CASES[id]), sentence: `n/a: ${why}` };
}

/** The peers, started on loopback; close() stops every one of them. */
interface Peers {
  dir: string;
  sandbox: Sandbox;
  sandboxBadSecret: Sandbox;
  sandboxBadCa: Sandbox;
  glewlwyd: Glewlwyd;
  glewlwydShort: Glewlwyd;
  /** A sandbox whose IdP's access tokens live SHORT_TOKEN_SECONDS. */
  sandboxShort: Sandbox;
  /** A sandbox whose gateway verifies JWTs locally and requires another audience (AUD_PATH) or issuer (ISS_PATH). */
  sandboxLocalJwt: Sandbox;
  apache: Record<string, ApacheGateway>;
  /** Each sandbox gateway's Kong-format error log. */
  kongLogs: Map<Sandbox, string>;
  close(): Promise<void>;
}

/** A file for the flow files' caFile. */
function caFileFor(dir: string, name: string, pem: string): string {
  const path = join(dir, `${name}-ca.pem`);
  writeFileSync(path, pem);
  return path;
}

/** Why the peers cannot start here, or undefined when they can. */
export function peersUnavailable(): string | undefined {
  return apacheUnavailable() ?? glewlwydUnavailable();
}

const AUD_PATH = '/aud/orders';
const ISS_PATH = '/iss/orders';

/** decK's references to the sandbox's own values, filled in when the sandbox starts (userDeck). */
const DECK_REFS = {
  issuer: '${{ env "DECK_SANDBOX_ISSUER" }}',
  upstream: '${{ env "DECK_SANDBOX_UPSTREAM" }}',
  gatewayClientId: '${{ env "DECK_SANDBOX_GATEWAY_CLIENT_ID" }}',
  gatewayClientSecret: '${{ env "DECK_SANDBOX_GATEWAY_CLIENT_SECRET" }}',
};

/** The built-in local-JWT route (auth_methods bearer) twice: requiring another audience, and another issuer. */
function localJwtDeck(): DeckFile {
  const deck = sandboxDeck(DECK_REFS);
  const service = deck.services![0]!;
  const jwtRoute = service.routes!.find((r) => r.name === 'orders-jwt')!;
  const variant = (name: string, path: string, extra: Record<string, unknown>): DeckRoute => ({
    ...jwtRoute,
    name,
    paths: [path],
    plugins: jwtRoute.plugins!.map((p) => ({ ...p, config: { ...p.config, ...extra } })),
  });
  return {
    ...deck,
    services: [
      {
        ...service,
        routes: [
          variant('orders-aud', AUD_PATH, { audience_required: [OTHER_AUDIENCE] }),
          variant('orders-iss', ISS_PATH, { issuers_allowed: [OTHER_ISSUER] }),
        ],
      },
    ],
  };
}

async function startPeers(): Promise<Peers> {
  const dir = mkdtempSync(join(tmpdir(), 'diagnosis-table-'));
  const closers: Array<() => Promise<void>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  const keep = <T extends { close(): Promise<void> }>(peer: T): T => {
    closers.push(() => peer.close());
    return peer;
  };
  try {
    const sandboxClient = ({ ca }: { ca: string }) => createHttpClient({ ca, env: {} });
    const otherCa = createCertificateAuthority('A CA nobody here trusts').cert;
    // The sandbox gateway with a wrong secret: the built-in deck with decK's env references, so it points at its own IdP.
    const badSecretDeck = sandboxDeck({ ...DECK_REFS, gatewayClientSecret: 'not-the-gateway-secret' });
    const [sandbox, sandboxBadSecret, sandboxBadCa, sandboxShort, sandboxLocalJwt, glewlwyd, glewlwydShort] =
      await Promise.all([
        startSandbox({ createHttpClient: sandboxClient, errorLogPath: join(dir, 'kong-good.log') }).then(keep),
        startSandbox({
          createHttpClient: sandboxClient,
          // YAML keeps decK's "..." inside the references as they are (JSON would escape them).
          deckText: stringifyYaml(badSecretDeck),
          deckFileName: 'kong-bad-secret.yaml',
          errorLogPath: join(dir, 'kong-bad-secret.log'),
        }).then(keep),
        startSandbox({
          createHttpClient: () => createHttpClient({ ca: otherCa, env: {} }),
          errorLogPath: join(dir, 'kong-bad-ca.log'),
        }).then(keep),
        startSandbox({
          createHttpClient: sandboxClient,
          accessTokenSeconds: SHORT_TOKEN_SECONDS,
          errorLogPath: join(dir, 'kong-short.log'),
        }).then(keep),
        startSandbox({
          createHttpClient: sandboxClient,
          deckText: stringifyYaml(localJwtDeck()),
          deckFileName: 'kong-local-jwt.yaml',
          errorLogPath: join(dir, 'kong-local-jwt.log'),
        }).then(keep),
        startGlewlwyd().then(keep),
        startGlewlwyd({ accessTokenSeconds: SHORT_TOKEN_SECONDS }).then(keep),
      ]);
    const upstream = sandbox.upstream.url;
    const intro = (o: Omit<ApacheIntrospectionOptions, 'upstream'>) =>
      startApacheGateway({ ...o, upstream }).then(keep);
    const jwt = (o: Omit<ApacheLocalJwtOptions, 'upstream'>) => startApacheGateway({ ...o, upstream }).then(keep);
    const sandboxIntro = ({ idp }: Sandbox) => ({
      introspectionEndpoint: `${idp.issuer}/v1/introspect`,
      clientId: idp.clients.gateway.clientId,
      clientSecret: idp.clients.gateway.clientSecret!,
      caPem: idp.caPem,
    });
    const sandboxGw = sandboxIntro(sandbox);
    const glewGw = (g: Glewlwyd) => ({
      introspectionEndpoint: g.introspectionEndpoint,
      ...g.clients.gateway,
      caPem: g.caPem!,
    });
    // Okta-shaped client-credentials JWTs carry the client in `cid` and `sub`; Glewlwyd's in `client_id`.
    const sandboxJwtOf = ({ idp }: Sandbox) => ({
      jwksUri: `${idp.issuer}/v1/keys`,
      caPem: idp.caPem,
      remoteUserClaim: 'sub',
    });
    const sandboxJwt = sandboxJwtOf(sandbox);
    const glewJwt = (g: Glewlwyd) => ({ jwksUri: g.jwksUri, caPem: g.caPem!, remoteUserClaim: 'client_id' });
    const entries = await Promise.all(
      Object.entries({
        'intro:sandbox': () => intro(sandboxGw),
        'intro:sandbox:badSecret': () => intro({ ...sandboxGw, clientSecret: 'not-the-gateway-secret' }),
        'intro:sandbox:badCa': () => intro({ ...sandboxGw, caPem: otherCa }),
        'intro:glewlwyd': () => intro(glewGw(glewlwyd)),
        'intro:glewlwyd:badSecret': () => intro({ ...glewGw(glewlwyd), clientSecret: 'not-the-gateway-secret' }),
        'intro:glewlwyd:badCa': () => intro({ ...glewGw(glewlwyd), caPem: otherCa }),
        'intro:glewlwyd:short': () => intro(glewGw(glewlwydShort)),
        'jwt:sandbox': () => jwt(sandboxJwt),
        'jwt:sandbox:badCa': () => jwt({ ...sandboxJwt, caPem: otherCa }),
        'jwt:glewlwyd:badCa': () => jwt({ ...glewJwt(glewlwyd), caPem: otherCa }),
        'jwt:sandbox:aud': () => jwt({ ...sandboxJwt, requireClaims: { aud: OTHER_AUDIENCE } }),
        'jwt:sandbox:iss': () => jwt({ ...sandboxJwt, requireClaims: { iss: OTHER_ISSUER } }),
        'jwt:glewlwyd': () => jwt(glewJwt(glewlwyd)),
        'jwt:glewlwyd:aud': () => jwt({ ...glewJwt(glewlwyd), requireClaims: { aud: OTHER_AUDIENCE } }),
        'jwt:glewlwyd:iss': () => jwt({ ...glewJwt(glewlwyd), requireClaims: { iss: OTHER_ISSUER } }),
        'jwt:glewlwyd:short': () => jwt(glewJwt(glewlwydShort)),
        'intro:sandbox:short': () => intro(sandboxIntro(sandboxShort)),
        'jwt:sandbox:short': () => jwt(sandboxJwtOf(sandboxShort)),
      }).map(async ([name, start]) => [name, await start()] as const),
    );
    return {
      dir,
      sandbox,
      sandboxBadSecret,
      sandboxBadCa,
      glewlwyd,
      glewlwydShort,
      sandboxShort,
      sandboxLocalJwt,
      apache: Object.fromEntries(entries),
      kongLogs: new Map([
        [sandbox, join(dir, 'kong-good.log')],
        [sandboxBadSecret, join(dir, 'kong-bad-secret.log')],
        [sandboxBadCa, join(dir, 'kong-bad-ca.log')],
        [sandboxShort, join(dir, 'kong-short.log')],
        [sandboxLocalJwt, join(dir, 'kong-local-jwt.log')],
      ]),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

const APACHE_INTRO = 'Apache mod_auth_openidc (introspection)';
const APACHE_JWT = 'Apache mod_auth_openidc (local JWT)';
const SANDBOX_GATEWAY = 'sandbox gateway (Kong openid-connect)';
const SANDBOX_IDP = 'sandbox (oidc-provider)';
const GLEWLWYD = 'Glewlwyd';

/** The rows of the table, in order: each case against every gateway × IdP that can show it. */
async function stageAll(peers: Peers, http: ReturnType<typeof createHttpClient>): Promise<DiagnosisRow[]> {
  const { sandbox, sandboxShort, glewlwyd, glewlwydShort, apache } = peers;
  const apacheRoute = (gw: ApacheGateway, expected?: Partial<NonNullable<RouteConfig['gateway']>>): RouteConfig => ({
    baseUrl: gw.url,
    path: ROUTE_PATH,
    gateway: { kind: 'apache', ...expected },
    log: { file: gw.errorLogPath },
  });
  const sandboxTarget = (sb: Sandbox, clientName: 'cc-basic' | 'cc-post' = 'cc-basic', path = ROUTE_PATH): Target => ({
    gateway: SANDBOX_GATEWAY,
    idp: SANDBOX_IDP,
    route: {
      baseUrl: sb.gateway.url,
      path,
      gateway: {
        kind: 'kong',
        // The route's own openid-connect config, as the gateway runs it: the verdict reads its requirements.
        config: sb.deck.services?.[0]?.routes?.find((r) => r.paths?.includes(path))?.plugins?.[0]?.config,
      },
      log: { file: peers.kongLogs.get(sb)! },
    },
    issuer: sb.idp.issuer,
    caFile: sb.caFile,
    app: { clientId: sb.idp.clients[clientName].clientId, clientSecret: sb.idp.clients[clientName].clientSecret! },
    admin: sb.admin,
  });
  const sandboxApp = (clientName: 'cc-basic' | 'cc-post' = 'cc-basic', sb: Sandbox = sandbox) => ({
    idp: SANDBOX_IDP,
    issuer: sb.idp.issuer,
    caFile: sb.caFile,
    app: {
      clientId: sb.idp.clients[clientName].clientId,
      clientSecret: sb.idp.clients[clientName].clientSecret!,
    },
    admin: sb.admin,
  });
  const glewFile = caFileFor(peers.dir, 'glewlwyd', glewlwyd.caPem!);
  const glewShortFile = caFileFor(peers.dir, 'glewlwyd-short', glewlwydShort.caPem!);
  const glewApp = (g: Glewlwyd) => ({
    idp: GLEWLWYD,
    issuer: g.issuer,
    caFile: g === glewlwyd ? glewFile : glewShortFile,
    app: g.clients.app,
  });
  const a = (key: string) => apache[key]!;
  // Glewlwyd's own admin API disables the app, as an admin deactivating it would.
  const glewlwydAdmin = (g: Glewlwyd): SandboxAdmin => ({
    deactivateClient: () => g.setClientEnabled('app', false),
    reactivateClient: () => g.setClientEnabled('app', true),
    rotateKeys: () => Promise.reject(new Error('not staged against Glewlwyd')),
  });
  const audience = { expected: { audience: [OTHER_AUDIENCE] } };
  const issuerClaim = { expected: { claims: { iss: OTHER_ISSUER } } };

  const plan: Array<[CaseId, Target | string, string, string, Partial<CaseDef> | undefined]> = [];
  const add = (id: CaseId, gateway: string, idp: string, target: Target | string, override?: Partial<CaseDef>) =>
    plan.push([id, target, gateway, idp, override]);
  const introFor = (idpName: string, key: string, app: Omit<Target, 'gateway' | 'route'>, route?: RouteConfig) => ({
    gateway: APACHE_INTRO,
    ...app,
    idp: idpName,
    route: route ?? apacheRoute(a(key)),
  });
  const jwtFor = (
    key: string,
    app: Omit<Target, 'gateway' | 'route'>,
    expected?: Partial<NonNullable<RouteConfig['gateway']>>,
  ) => ({
    gateway: APACHE_JWT,
    ...app,
    // plugin: jwt tells the diagnosis this Apache verifies JWTs itself (OIDCOAuthVerifyJwksUri).
    route: apacheRoute(a(key), { plugin: 'jwt', ...expected }),
  });

  for (const id of CASE_IDS) {
    // (a) Apache, introspection mode
    for (const [idpName, key, app, short] of [
      [SANDBOX_IDP, 'sandbox', sandboxApp(), sandboxApp('cc-basic', sandboxShort)],
      [GLEWLWYD, 'glewlwyd', glewApp(glewlwyd), glewApp(glewlwydShort)],
    ] as const) {
      if (id === 'wrongAudience' || id === 'wrongIssuer')
        add(
          id,
          APACHE_INTRO,
          idpName,
          'staged in local-JWT mode only (issue 11): in this mode the same Require claim lines would refuse, as the local-JWT rows show',
        );
      else if (id === 'wrongSecret') add(id, APACHE_INTRO, idpName, introFor(idpName, `intro:${key}:badSecret`, app));
      else if (id === 'untrustedCa') add(id, APACHE_INTRO, idpName, introFor(idpName, `intro:${key}:badCa`, app));
      else if (id === 'expired') add(id, APACHE_INTRO, idpName, introFor(idpName, `intro:${key}:short`, short));
      else if (id === 'deactivated')
        add(
          id,
          APACHE_INTRO,
          idpName,
          idpName === SANDBOX_IDP
            ? introFor(idpName, `intro:${key}`, sandboxApp('cc-post'))
            : introFor(idpName, `intro:${key}`, { ...app, admin: glewlwydAdmin(glewlwyd) }),
          idpName === SANDBOX_IDP ? undefined : GLEWLWYD_DISABLED_CLIENT,
        );
      else add(id, APACHE_INTRO, idpName, introFor(idpName, `intro:${key}`, app));
    }
    // (b) Apache, local-JWT mode
    for (const [idpName, key, app, short] of [
      [SANDBOX_IDP, 'sandbox', sandboxApp(), sandboxApp('cc-basic', sandboxShort)],
      [GLEWLWYD, 'glewlwyd', glewApp(glewlwyd), glewApp(glewlwydShort)],
    ] as const) {
      if (id === 'wrongSecret')
        add(id, APACHE_JWT, idpName, 'a gateway verifying JWTs locally has no introspection client');
      else if (id === 'untrustedCa')
        add(id, APACHE_JWT, idpName, jwtFor(`jwt:${key}:badCa`, app), {
          note: 'here the gateway fetched its JWKS, it did not introspect: no verdict code names that; the fix, OIDCCABundlePath, is the same',
        });
      else if (id === 'revoked')
        // It cannot see revocation: 200 until exp. Once our own introspection knows, the verdict must say so.
        add(id, APACHE_JWT, idpName, jwtFor(`jwt:${key}`, app), {
          expected: 'accepted_inactive_token',
          steps: [token, revoke, introspect, call()],
        });
      else if (id === 'deactivated')
        add(
          id,
          APACHE_JWT,
          idpName,
          'a gateway verifying JWTs locally cannot see a deactivation: it answers 200 until exp, and the deactivated client can no longer ask the IdP either',
        );
      else if (id === 'wrongAudience') add(id, APACHE_JWT, idpName, jwtFor(`jwt:${key}:aud`, app, audience));
      else if (id === 'wrongIssuer') add(id, APACHE_JWT, idpName, jwtFor(`jwt:${key}:iss`, app, issuerClaim));
      else if (id === 'expired') add(id, APACHE_JWT, idpName, jwtFor(`jwt:${key}:short`, short));
      else add(id, APACHE_JWT, idpName, jwtFor(`jwt:${key}`, app));
    }
    // (c) the sandbox gateway (Kong-like), in front of the sandbox IdP only
    if (id === 'wrongAudience')
      add(id, SANDBOX_GATEWAY, SANDBOX_IDP, sandboxTarget(peers.sandboxLocalJwt, 'cc-basic', AUD_PATH));
    else if (id === 'wrongIssuer')
      add(id, SANDBOX_GATEWAY, SANDBOX_IDP, sandboxTarget(peers.sandboxLocalJwt, 'cc-basic', ISS_PATH));
    else if (id === 'expired') add(id, SANDBOX_GATEWAY, SANDBOX_IDP, sandboxTarget(sandboxShort));
    else if (id === 'wrongSecret') add(id, SANDBOX_GATEWAY, SANDBOX_IDP, sandboxTarget(peers.sandboxBadSecret));
    else if (id === 'untrustedCa') add(id, SANDBOX_GATEWAY, SANDBOX_IDP, sandboxTarget(peers.sandboxBadCa));
    else if (id === 'deactivated') add(id, SANDBOX_GATEWAY, SANDBOX_IDP, sandboxTarget(sandbox, 'cc-post'));
    else add(id, SANDBOX_GATEWAY, SANDBOX_IDP, sandboxTarget(sandbox));
  }

  const rows: DiagnosisRow[] = [];
  for (const [id, target, gateway, idp, override] of plan)
    rows.push(
      typeof target === 'string' ? notApplicable(gateway, idp, id, target) : await stage(target, id, http, override),
    );
  return rows;
}

/** Starts the peers, stages every row, stops the peers. Throws only when a peer cannot start. */
export async function stageDiagnosisTable(): Promise<DiagnosisRow[]> {
  const missing = peersUnavailable();
  if (missing) throw new Error(`cannot stage the diagnosis table: ${missing}`);
  const peers = await startPeers();
  const http = createHttpClient({ env: {} });
  try {
    return await stageAll(peers, http);
  } finally {
    await http.close();
    await peers.close();
  }
}

/** The versions of the real peers, for the table's header. */
export async function peerVersions(): Promise<PeerVersions> {
  const text = async (file: string, args: string[]) =>
    (await run(file, args).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }))).stdout.trim();
  const pkg = JSON.parse(readFileSync(require.resolve('oidc-provider/package.json'), 'utf8')) as { version: string };
  return {
    apache: await text('/usr/sbin/apache2', ['-v']),
    packages: await text('dpkg-query', ['-W', 'libapache2-mod-auth-openidc', 'glewlwyd']),
    oidcProvider: pkg.version,
  };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** The Markdown table: case × gateway → verdict code and sentence, expected code, ✔/✘ (n/a says why). */
export function renderTable(rows: DiagnosisRow[]): string {
  const lines = [
    '| case | gateway | IdP | status | verdict | sentence | expected | right |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const mark = r.right === undefined ? 'n/a' : r.right ? '✔' : '✘';
    lines.push(
      `| ${cell(r.case)} | ${cell(r.gateway)} | ${cell(r.idp)} | ${r.status ?? ''} | ${r.got ? `\`${r.got}\`` : ''} | ${cell(r.sentence)} | ${r.expected.map((e) => `\`${e}\``).join(' or ')} | ${mark} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The ✘ rows with their evidence: what the gateway answered, what its log said, what the verdict said. */
export function renderFindings(rows: DiagnosisRow[]): string {
  const wrong = rows.filter((r) => r.right === false);
  if (!wrong.length) return 'No ✘ rows.\n';
  return wrong
    .map((r) =>
      [
        `### ${r.case}: ${r.gateway}, ${r.idp}`,
        '',
        `- expected ${r.expected.map((e) => `\`${e}\``).join(' or ')}, got ${r.got ? `\`${r.got}\`` : 'nothing'}`,
        `- the gateway answered ${r.status ?? '(no answer)'}${r.challenge ? ` with \`WWW-Authenticate: ${r.challenge}\`` : ' without WWW-Authenticate'}`,
        `- its log, as the verdict read it: ${r.log?.length ? r.log.map((l) => `\`${l}\``).join('; ') : 'nothing about this request'}`,
        `- the verdict: ${r.sentence}`,
        '',
      ].join('\n'),
    )
    .join('\n');
}

/** The (case, gateway, IdP) of each ✔ row in a table renderTable wrote, e.g. the committed docs/diagnosis.md. */
export function rightRowsOf(markdown: string): Array<Pick<DiagnosisRow, 'case' | 'gateway' | 'idp'>> {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| ') && line.trimEnd().endsWith('| ✔ |'))
    .map((line) => {
      const cells = line.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
      return { case: cells[1]!, gateway: cells[2]!, idp: cells[3]! };
    });
}
