import { executeCommand } from './execute-command';
import { offer } from './offer';
import type { FlowFile, GrantType, HttpMethod, StepDef } from '../../core/flow/file-format';
import type { RunSummary } from '../services/run-service';
import { summarize } from '../services/run-service';
import type { TokenMeta } from '../secrets/token-vault';
import type { RunOutcome } from '../services/run-service';
import { refOf } from '../trees/node';
import type { FlowSource, IdpEntry } from '../workspace/source-model';
import { routeEntries, singleStepFile } from '../workspace/source-model';
import type { CommandId } from './command-ids';
import {
  idpById,
  pickEnvironment,
  pickIdp,
  pickRoute,
  pickVaultToken,
  tokenForOperation,
  tokenFromUser,
} from './pickers';
import type { Handler, Services } from './command-services';

/** Runs steps as a one-off flow next to an IdP's (or route's) file, so IdPs, environments and secrets resolve as in a flow. */
export async function runOneOff(
  s: Services,
  sourceId: string,
  title: string,
  steps: StepDef[],
  options: { vars?: Record<string, unknown>; secrets?: string[] } = {},
): Promise<RunOutcome | undefined> {
  let loaded;
  try {
    loaded = await s.index.loadForRun(sourceId);
  } catch (error) {
    const { asOidcError } = await import('../../core/errors');
    void s.vs.window.showErrorMessage(asOidcError(error).toUserMessage());
    return undefined;
  }
  const env = await pickEnvironment(s, loaded.source, loaded.file, undefined, { ask: false });
  if (env === null) return undefined;
  const file = singleStepFile(loaded.file, 'one-off', steps, options.vars);
  return s.runs.run({ source: loaded.source, file, flow: 'one-off', env, title, secrets: options.secrets });
}

async function idpFor(s: Services, arg: unknown, placeHolder: string): Promise<IdpEntry | undefined> {
  const ref = refOf(arg);
  if (ref?.kind === 'idp' || ref?.kind === 'token') {
    const entry = await idpById(s, ref.idpId);
    if (entry) return entry;
    void s.vs.window.showWarningMessage('That identity provider is gone (its file changed, or the sandbox stopped).');
    return undefined;
  }
  return pickIdp(s, placeHolder);
}

function firstStep(outcome: RunOutcome | undefined) {
  return outcome?.result?.steps[0];
}

/** What Fetch Token resolves to: where the token is kept and what it is, never its value. */
export interface FetchedToken {
  kind: 'token';
  tokenId: string;
  idpId: string;
  grant: GrantType;
  expiresAt?: number;
  scope?: string;
  tokenKind: 'jwt' | 'jwe' | 'opaque';
}

const GRANT_ITEMS: Array<{ label: string; description: GrantType; detail: string; value: GrantType }> = [
  {
    label: 'Client credentials',
    description: 'client_credentials',
    detail: 'A token for the client itself (machine to machine).',
    value: 'client_credentials',
  },
  {
    label: 'Authorization code + PKCE',
    description: 'authorization_code',
    detail: 'Signs a person in: opens the system browser.',
    value: 'authorization_code',
  },
  {
    label: 'Device code',
    description: 'device_code',
    detail: 'Signs a person in on another device with a short code.',
    value: 'device_code',
  },
  {
    label: 'Refresh token',
    description: 'refresh_token',
    detail: 'A new access token from the refresh token of one fetched earlier.',
    value: 'refresh_token',
  },
  {
    label: 'Token exchange',
    description: 'token_exchange',
    detail: 'RFC 8693: trades a token you have for one for another audience.',
    value: 'token_exchange',
  },
  {
    label: 'Resource owner password',
    description: 'password',
    detail: 'A user name and password sent to the IdP (legacy; most IdPs disable it).',
    value: 'password',
  },
];

/**
 * The token step for a grant, asking for what the grant needs (a stored
 * refresh token, a subject token, a user name and password). Values that
 * are credentials go in `vars` and `secrets`, never into the step text.
 */
async function grantStep(
  s: Services,
  idp: IdpEntry,
  grant: GrantType,
): Promise<{ step: StepDef; vars?: Record<string, unknown>; secrets: string[]; from?: TokenMeta } | undefined> {
  const vs = s.vs;
  const base = {
    id: 'token',
    name: `Fetch a token from ${idp.name}`,
    type: 'token' as const,
    idp: idp.name,
    grant,
    reuse: false,
  };
  switch (grant) {
    case 'refresh_token': {
      const candidates = s.vault.forIdp(idp.id).filter((t) => t.hasRefreshToken);
      if (candidates.length === 0) {
        offer(
          vs.window.showInformationMessage(
            `No token from ${idp.name} with a refresh token is kept. Fetch one with the authorization code or device grant and the offline_access scope first.`,
            'Fetch Token',
          ),
          {
            'Fetch Token': () =>
              executeCommand(vs, 'oidcFlow.fetchToken', {
                kind: 'idp',
                sourceId: idp.sourceId,
                name: idp.name,
                idpId: idp.id,
              }),
          },
        );
        return undefined;
      }
      const from = candidates.length === 1 ? candidates[0]! : await pickVaultToken(s, idp.id);
      if (!from) return undefined;
      const refreshToken = (await s.vault.values(from.id))?.refreshToken;
      if (!refreshToken) {
        void vs.window.showWarningMessage(
          "That token's refresh token is no longer in the secret store. Fetch a new token.",
        );
        return undefined;
      }
      return {
        step: { ...base, refreshToken: '{{vars.refreshToken}}' },
        vars: { refreshToken },
        secrets: [refreshToken],
        from,
      };
    }
    case 'token_exchange': {
      const given = await tokenForOperation(s, undefined, undefined, 'exchange');
      if (!given) return undefined;
      const audience = await vs.window.showInputBox({
        title: 'Token exchange: audience',
        prompt: "The audience (or resource) the new token is for; leave empty for the IdP's default",
        ignoreFocusOut: true,
      });
      if (audience === undefined) return undefined;
      const step: StepDef = {
        ...base,
        subjectToken: '{{vars.subjectToken}}',
        subjectTokenType: 'urn:ietf:params:oauth:token-type:access_token',
        ...(audience.trim() ? { audience: audience.trim() } : {}),
      };
      return { step, vars: { subjectToken: given.token }, secrets: [given.token] };
    }
    case 'password': {
      const username = await vs.window.showInputBox({
        title: `Password grant at ${idp.name}: user name`,
        prompt: 'The user to sign in as',
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'Enter a user name'),
      });
      if (!username) return undefined;
      const password = await vs.window.showInputBox({
        title: `Password grant at ${idp.name}: password`,
        prompt: `${username.trim()}'s password (sent to the IdP once, not stored)`,
        password: true,
        ignoreFocusOut: true,
      });
      if (password === undefined) return undefined;
      return {
        step: { ...base, username: '{{vars.username}}', password: '{{vars.password}}' },
        vars: { username: username.trim(), password },
        secrets: password ? [password] : [],
      };
    }
    default:
      return { step: base, secrets: [] };
  }
}

async function fetchToken(s: Services, arg: unknown): Promise<FetchedToken | undefined> {
  const vs = s.vs;
  const idp = await idpFor(s, arg, 'Fetch a token from which identity provider?');
  if (!idp) return undefined;
  const wanted = (arg as { grant?: unknown } | undefined)?.grant;
  const grant =
    GRANT_ITEMS.find((g) => g.value === wanted) ??
    (await vs.window.showQuickPick(GRANT_ITEMS, { placeHolder: `Grant for ${idp.name}`, ignoreFocusOut: true }));
  if (!grant) return undefined;
  const planned = await grantStep(s, idp, grant.value);
  if (!planned) return undefined;
  const outcome = await runOneOff(s, idp.sourceId, `Fetch token: ${idp.name} (${grant.value})`, [planned.step], {
    vars: planned.vars,
    secrets: planned.secrets,
  });
  const step = firstStep(outcome);
  const token = step?.result.token;
  if (!token) {
    if (step?.error)
      void vs.window.showErrorMessage(
        `Fetching a token from ${idp.name} failed: ${step.error.message}${step.error.hint ? ` ${step.error.hint}` : ''}`,
      );
    return undefined;
  }
  const { classifyToken } = await import('../../core/jwt/decode');
  const meta = await s.vault.add(
    {
      idpId: idp.id,
      sourceId: idp.sourceId,
      idpName: idp.name,
      grant: grant.value,
      expiresAt: token.expires_at,
      scope: token.scope,
      kind: classifyToken(token.access_token),
      subject: typeof token.claims?.sub === 'string' ? token.claims.sub : undefined,
      hasRefreshToken: Boolean(token.refresh_token),
      hasIdToken: Boolean(token.id_token),
    },
    { accessToken: token.access_token, refreshToken: token.refresh_token, idToken: token.id_token },
  );
  s.refreshTrees();
  const { formatTimeLeft, secondsLeft } = await import('../secrets/token-vault');
  const ref = { kind: 'token' as const, tokenId: meta.id, idpId: idp.id };
  offer(
    vs.window.showInformationMessage(
      `Token fetched from ${idp.name} (expires in ${formatTimeLeft(secondsLeft(meta, Date.now()))}). It is kept in VS Code's secret storage.`,
      'Verify',
      'Copy Token',
    ),
    {
      Verify: () => executeCommand(vs, 'oidcFlow.verifyToken', ref),
      'Copy Token': () => executeCommand(vs, 'oidcFlow.copyToken', ref),
    },
  );
  return { ...ref, grant: grant.value, expiresAt: meta.expiresAt, scope: meta.scope, tokenKind: meta.kind };
}

async function decodeToken(s: Services, arg: unknown): Promise<void> {
  const vs = s.vs;
  const ref = refOf(arg);
  let token: string | undefined;
  if (ref?.kind === 'token') token = (await s.vault.values(ref.tokenId))?.accessToken;
  token ??= await tokenFromUser(s, 'Paste a JWT to decode');
  if (!token) return;
  const { decodeJwtParts, explainClaims } = await import('../../core/jwt');
  try {
    const decoded = decodeJwtParts(token);
    const explained = Object.fromEntries(
      explainClaims(decoded.payload).map((c) => [c.name, `${c.label}: ${c.explanation}`]),
    );
    // Read-only: closing it never asks to save (see decoded-tokens.ts).
    const uri = s.decodedTokens.add(
      JSON.stringify(
        {
          note: 'UNVERIFIED: decoded without checking the signature (use OIDC Flow: Verify Token to check it)',
          header: decoded.header,
          payload: decoded.payload,
          explanations: explained,
        },
        null,
        2,
      ),
    );
    await vs.window.showTextDocument(await vs.workspace.openTextDocument(uri));
  } catch (error) {
    const { asOidcError } = await import('../../core/errors');
    void vs.window.showErrorMessage(asOidcError(error).toUserMessage());
  }
}

async function verifyToken(s: Services, arg: unknown): Promise<void> {
  const vs = s.vs;
  const ref = refOf(arg);
  const given = await tokenForOperation(s, ref?.kind === 'token' ? ref : undefined, undefined, 'verify');
  if (!given) return;
  const { token, meta } = given;
  let idp = meta ? await idpById(s, meta.idpId) : undefined;
  if (!idp) {
    const { classifyToken, decodeJwt } = await import('../../core/jwt/decode');
    if (classifyToken(token) !== 'jwt') {
      void vs.window
        .showWarningMessage(
          'This token is not a JWT (it is opaque or encrypted), so it cannot be verified locally. Introspect it at its IdP instead.',
          'Introspect',
        )
        .then((c) => {
          if (c) void executeCommand(vs, 'oidcFlow.introspectToken');
        });
      return;
    }
    let iss: string | undefined;
    try {
      const claim = decodeJwt(token).payload.iss;
      iss = typeof claim === 'string' ? claim : undefined;
    } catch (error) {
      const { asOidcError } = await import('../../core/errors');
      void vs.window.showErrorMessage(asOidcError(error).toUserMessage());
      return;
    }
    const { displayContext, idpEntries } = await import('../workspace/source-model');
    const sandboxIssuer = s.sandbox.current?.idp.issuer;
    // Rendered issuers, so a file's "{{env.issuer}}" matches the token's iss.
    const { visibleEnvironment } = await import('../services/env-approval');
    const { readSettings } = await import('../services/settings');
    const env = visibleEnvironment(s.context.workspaceState, readSettings(vs).allowedEnvironmentVariables, process.env);
    const entries = idpEntries(await s.index.sources(), displayContext(s.context.workspaceState, env));
    const matches = (e: IdpEntry) => e.issuer === iss || (e.sourceKind === 'sandbox' && sandboxIssuer === iss);
    const items = [...entries.filter(matches), ...entries.filter((e) => !matches(e))].map((e) => ({
      label: e.name,
      description: `${matches(e) ? 'issuer matches · ' : ''}${e.sourceLabel}`,
      value: e as IdpEntry | 'iss',
    }));
    if (iss) items.unshift({ label: `$(globe) The token's issuer`, description: iss, value: 'iss' });
    const chosen = await vs.window.showQuickPick(items, {
      placeHolder: 'Verify against the keys (JWKS) of which IdP?',
      ignoreFocusOut: true,
    });
    if (!chosen) return;
    if (chosen.value === 'iss') {
      const source: FlowSource = {
        id: 'token-issuer',
        kind: 'file',
        label: "the token's issuer",
        errorCount: 0,
        file: { version: 1, idps: { issuer: { issuer: iss! } } },
      };
      await s.runs.run({
        source,
        file: singleStepFile(
          source.file!,
          'one-off',
          [
            {
              id: 'verify',
              name: "Verify the token against the issuer's JWKS",
              type: 'verify',
              token: '{{vars.token}}',
              idp: 'issuer',
            },
          ],
          { token },
        ),
        flow: 'one-off',
        title: `Verify token (${iss})`,
        secrets: [token],
      });
      return;
    }
    idp = chosen.value;
  }
  await runOneOff(
    s,
    idp.sourceId,
    `Verify token: ${idp.name}`,
    [
      {
        id: 'verify',
        name: `Verify the token against ${idp.name}'s JWKS`,
        type: 'verify',
        token: '{{vars.token}}',
        idp: idp.name,
      },
    ],
    { vars: { token }, secrets: [token] },
  );
}

async function introspectOrRevoke(s: Services, arg: unknown, kind: 'introspect' | 'revoke'): Promise<void> {
  const vs = s.vs;
  const ref = refOf(arg);
  const idp = await idpFor(
    s,
    arg,
    kind === 'introspect' ? 'Introspect at which identity provider?' : 'Revoke at which identity provider?',
  );
  if (!idp) return;
  const given = await tokenForOperation(s, ref?.kind === 'token' ? ref : undefined, idp.id, kind);
  if (!given) return;
  if (kind === 'revoke') {
    const sure = await vs.window.showWarningMessage(
      `Revoke this token at ${idp.name}?`,
      { modal: true, detail: 'The IdP will stop accepting it (and any gateway that introspects it will refuse it).' },
      'Revoke',
    );
    if (sure !== 'Revoke') return;
  }
  const step: StepDef =
    kind === 'introspect'
      ? {
          id: 'introspect',
          name: `Introspect the token at ${idp.name}`,
          type: 'introspect',
          idp: idp.name,
          token: '{{vars.token}}',
        }
      : {
          id: 'revoke',
          name: `Revoke the token at ${idp.name}`,
          type: 'revoke',
          idp: idp.name,
          token: '{{vars.token}}',
        };
  const outcome = await runOneOff(
    s,
    idp.sourceId,
    `${kind === 'introspect' ? 'Introspect' : 'Revoke'} token: ${idp.name}`,
    [step],
    { vars: { token: given.token }, secrets: [given.token] },
  );
  const result = firstStep(outcome);
  if (!result) return;
  if (result.error) {
    void vs.window.showErrorMessage(`${result.error.message}${result.error.hint ? ` ${result.error.hint}` : ''}`);
  } else if (kind === 'introspect') {
    const active = result.result.introspection?.active === true;
    void vs.window.showInformationMessage(`${idp.name} says the token is ${active ? 'active' : 'NOT active'}.`);
  } else {
    void vs.window.showInformationMessage(
      `${idp.name} accepted the revocation (HTTP ${result.result.response?.status ?? '?'}).`,
    );
    if (given.meta) await s.vault.remove(given.meta.id);
  }
}

/**
 * A configured gateway's route as a one-route flow file: its URL through the
 * proxy, and its effective plugin config, so the call gets the same verdict
 * and config findings as a flow file's route.
 */
async function gatewayRouteSource(
  s: Services,
  ref: { sourceId: string; routeKey: string },
): Promise<{ source: FlowSource; name: string } | undefined> {
  const { gatewayRouteKey } = await import('../gateway/gateway-source-store');
  const { routeUrls } = await import('../../core/gateway/model');
  const state = s.gateways.state(ref.sourceId);
  const route = state?.model?.routes.find((r) => gatewayRouteKey(r) === ref.routeKey);
  const url = route ? routeUrls(route, state?.config.proxyUrl)[0] : undefined;
  if (!state || !route || !url) {
    void s.vs.window.showWarningMessage(
      'That gateway route is gone or has no URL to call (set proxyUrl for its gateway source, and refresh).',
    );
    return undefined;
  }
  const parsed = new URL(url);
  const name = route.name;
  const file: FlowFile = {
    version: 1,
    routes: {
      [name]: {
        baseUrl: parsed.origin,
        path: `${parsed.pathname}${parsed.search}`,
        method: (route.methods?.find((m) => m !== 'OPTIONS') ?? 'GET') as HttpMethod,
        ...(route.service ? { service: route.service } : {}),
        ...(route.oidc
          ? {
              gateway: {
                kind: route.apache ? ('apache' as const) : ('kong' as const),
                config: route.oidc.config as Record<string, unknown>,
              },
            }
          : {}),
      },
    },
  };
  return {
    source: { id: `${state.id}#${ref.routeKey}`, kind: 'file', label: state.config.name, file, errorCount: 0 },
    name,
  };
}

async function callRoute(s: Services, arg: unknown): Promise<RunSummary | undefined> {
  const ref = refOf(arg);
  if (ref?.kind === 'gatewayRoute') {
    const target = await gatewayRouteSource(s, ref);
    if (!target) return undefined;
    const token = await callToken(s, target.name, arg);
    if (token === null) return undefined;
    const file = singleStepFile(
      target.source.file!,
      'one-off',
      [
        {
          id: 'call',
          name: `Call ${target.name}`,
          type: 'call',
          route: target.name,
          token: token ? '{{vars.token}}' : false,
        },
      ],
      token ? { token } : undefined,
    );
    const outcome = await s.runs.run({
      source: target.source,
      file,
      flow: 'one-off',
      title: `Call ${target.name} (${target.source.label})${token ? ' with a token' : ' without a token'}`,
      secrets: token ? [token] : [],
    });
    return outcome ? summarize(outcome) : undefined;
  }
  let route =
    ref?.kind === 'route'
      ? routeEntries(await s.index.sources()).find((r) => r.sourceId === ref.sourceId && r.name === ref.name)
      : undefined;
  route ??= await pickRoute(s);
  if (!route) return undefined;
  const meta = ref?.kind === 'token' ? s.vault.get(ref.tokenId) : undefined;
  const token = meta ? (await s.vault.values(meta.id))?.accessToken : await callToken(s, route.name, arg);
  if (token === null) return undefined;
  const outcome = await runOneOff(
    s,
    route.sourceId,
    `Call ${route.name}${token ? ' with a token' : ' without a token'}`,
    [
      {
        id: 'call',
        name: `Call ${route.name}`,
        type: 'call',
        route: route.name,
        token: token ? '{{vars.token}}' : false,
      },
    ],
    { vars: token ? { token } : undefined, secrets: token ? [token] : [] },
  );
  return outcome ? summarize(outcome) : undefined;
}

/**
 * The token to call a route with: a fetched one, a pasted one, or none
 * (undefined); null when the person cancelled. An argument may choose
 * already (`tokenId` of a fetched token, or `withoutToken: true`), for
 * keybindings and tasks.
 */
async function callToken(s: Services, routeName: string, arg?: unknown): Promise<string | undefined | null> {
  const vs = s.vs;
  const preset = (typeof arg === 'object' && arg !== null ? arg : {}) as { tokenId?: unknown; withoutToken?: unknown };
  if (preset.withoutToken === true) return undefined;
  if (typeof preset.tokenId === 'string') return (await s.vault.values(preset.tokenId))?.accessToken ?? null;
  const items = [
    ...s.vault
      .list()
      .map((m) => ({ label: `$(key) ${m.idpName}`, description: m.grant, detail: m.scope, value: m.id })),
    { label: '$(edit) Paste a token…', value: 'paste' },
    { label: '$(circle-slash) No token', description: 'see what the gateway says without one', value: 'none' },
  ];
  const chosen = await vs.window.showQuickPick(items, {
    placeHolder: `Call ${routeName} with which token?`,
    ignoreFocusOut: true,
  });
  if (!chosen) return null;
  if (chosen.value === 'none') return undefined;
  if (chosen.value === 'paste')
    return (await tokenFromUser(s, 'Paste the token to send'))?.replace(/^Bearer\s+/i, '') ?? null;
  return (await s.vault.values(chosen.value))?.accessToken ?? null;
}

/** Token handlers: fetch, decode, verify, introspect, revoke, copy, forget, call a route. */
export function tokenCommands(s: Services) {
  const vs = s.vs;
  return {
    'oidcFlow.fetchToken': (arg?: unknown) => fetchToken(s, arg),
    'oidcFlow.decodeToken': (arg?: unknown) => decodeToken(s, arg),
    'oidcFlow.verifyToken': (arg?: unknown) => verifyToken(s, arg),
    'oidcFlow.introspectToken': (arg?: unknown) => introspectOrRevoke(s, arg, 'introspect'),
    'oidcFlow.revokeToken': (arg?: unknown) => introspectOrRevoke(s, arg, 'revoke'),
    'oidcFlow.callRoute': (arg?: unknown) => callRoute(s, arg),
    'oidcFlow.copyToken': async (arg?: unknown) => {
      const ref = refOf(arg);
      const meta = ref?.kind === 'token' ? s.vault.get(ref.tokenId) : await pickVaultToken(s);
      if (!meta) {
        void vs.window.showInformationMessage('No fetched token to copy. Fetch one first (OIDC Flow: Fetch Token).');
        return;
      }
      const values = await s.vault.values(meta.id);
      if (!values) {
        void vs.window.showWarningMessage('That token is no longer in the secret store.');
        return;
      }
      await vs.env.clipboard.writeText(values.accessToken);
      void vs.window.showInformationMessage(
        `Access token from ${meta.idpName} copied. It is a credential: paste it only where you mean to.`,
      );
    },
    'oidcFlow.forgetToken': async (arg?: unknown) => {
      const ref = refOf(arg);
      const meta = ref?.kind === 'token' ? s.vault.get(ref.tokenId) : await pickVaultToken(s);
      if (meta) await s.vault.remove(meta.id);
      s.refreshTrees();
    },
  } satisfies Partial<Record<CommandId, Handler>>;
}
