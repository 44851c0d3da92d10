/**
 * The token commands as a person drives them, inside the real extension
 * host: Fetch Token from the IdP tree (the grant picked), Copy Token from the
 * "Token fetched" notification, Introspect and Revoke on the token's tree
 * row, Verify from the notification and on a pasted (tampered) token, Decode
 * from an editor selection, the clipboard and the input box, and the
 * authorization-code grant with a browser that signs in at the sandbox IdP.
 *
 * What a person sees is checked through the probe: notifications, prompts,
 * the clipboard, the browser, the documents opened and the results panel.
 * No token value may ever be in a notification or in the results panel.
 *
 * Sorts after product.test.ts (which needs the state right after activation)
 * and starts the sandbox; after() stops it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as vscode from 'vscode';
import { api, errorsAfter, messageAfter, probe, promptAfter, rows, runAnswering, VIEWS, within } from './probe';
import type { Api, RunSummary } from './probe';
import type { RecordedMessage, ShownItem } from './probe';
import { waitFor } from './wait';

/** What Fetch Token resolves to (src/extension/commands/token-commands.ts FetchedToken). */
interface FetchedToken {
  kind: 'token';
  tokenId: string;
  idpId: string;
  grant: string;
  expiresAt?: number;
  scope?: string;
  tokenKind: string;
}

/** The parts of the results panel's `show` message these tests read (src/shared/view-model.ts). */
interface ShownRun {
  title: string;
  status: string;
  steps: Array<{
    id: string;
    status: string;
    notes: string[];
    introspection?: string;
    error?: { code: string; message: string };
    token?: {
      signature: string;
      claims: Array<{ name: string; value: string }>;
      checks?: Array<{ id: string; ok: boolean; code?: string; message: string }>;
    };
  }>;
}

const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  assert.ok(part, 'not a three-part JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The notification matching `pattern` after `since`, failing early on an error notification. */
async function notification(since: number, pattern: RegExp, timeoutMs = 30_000): Promise<RecordedMessage> {
  const found = await waitFor(
    `a notification ${pattern}`,
    () => messageAfter(since, pattern) ?? (errorsAfter(since)[0] ? { error: errorsAfter(since)[0]! } : undefined),
    timeoutMs,
  );
  if ('error' in found) assert.fail(`the product showed an error instead of ${pattern}: ${found.error}`);
  return found;
}

/** The finished run with this title in the results panel, posted after `since`. */
async function shownRun(since: number, title: string): Promise<ShownRun> {
  type Shown = { type?: string; content?: { kind?: string; run?: ShownRun } };
  return waitFor(
    `the finished run "${title}" in the results panel`,
    () =>
      [...probe.toWebview]
        .reverse()
        .filter((m) => m.seq > since)
        .map((m) => (m.message as Shown).content?.run)
        .find((run) => run?.title === title && run.status !== 'running'),
    60_000,
  );
}

/** The last run ended after `before` (a run started by a notification button, which nobody awaits). */
async function runEnded(exported: Api, before: string | undefined, title: string): Promise<RunSummary> {
  return waitFor(
    `the run "${title}" to end`,
    () => {
      const last = exported.lastRun();
      return last && last.runId !== before && last.title === title ? last : undefined;
    },
    60_000,
  );
}

/** A row of the Identity Providers view: the IdP `name` (from the sandbox or a file). */
async function idpRow(name: string, sandbox: boolean): Promise<ShownItem> {
  return waitFor(`the IdP ${name} in the Identity Providers view`, async () =>
    (await rows(VIEWS.idps)).find((r) => r.label === name && r.description.startsWith('sandbox') === sandbox),
  );
}

/** The token rows under an IdP's "Tokens" group. */
async function tokenRows(idp: ShownItem): Promise<ShownItem[]> {
  const tokens = (await rows(VIEWS.idps, idp.node)).find((r) => r.label === 'Tokens');
  assert.ok(tokens, `the IdP ${idp.label} has no Tokens row`);
  return rows(VIEWS.idps, tokens.node);
}

/**
 * Answers "which token?" the way a person pastes one: "Another token…" when
 * the product offers fetched ones first, then the input box with `typed`
 * (empty: use the clipboard).
 */
async function giveToken(since: number, verb: string, typed: string): Promise<void> {
  const asked = await promptAfter(since, new RegExp(`Which token to ${verb}\\?|Paste the token to ${verb}`));
  if (asked.kind === 'quickPick') {
    asked.answer('$(edit) Another token…');
    (await promptAfter(asked.seq, new RegExp(`Paste the token to ${verb}`))).answer(typed);
  } else {
    asked.answer(typed);
  }
}

// ---- a browser for the sandbox IdP's sign-in pages ------------------------------
// Modelled on test/support/idp-login.ts (which the integration tests use), with
// node:https instead of undici so the bundle stays small: the IdP's
// certificate is signed by the sandbox CA, which global fetch cannot be told
// to trust without undici's Agent.

interface Answer {
  status: number;
  location?: string;
  setCookie: string[];
  text: string;
}

function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<Answer> {
  const target = new URL(url);
  return new Promise<Answer>((resolve, reject) => {
    const done = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          setCookie: res.headers['set-cookie'] ?? [],
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    };
    const common = { method: options.method ?? 'GET', headers: options.headers, timeout: 10_000 };
    const req =
      target.protocol === 'https:'
        ? https.request(target, { ...common, ca: options.ca }, done)
        : http.request(target, common, done);
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer within 10 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The sandbox's CA (the API names its file) and the IdP's discovery document, fetched trusting it. */
async function sandboxCa(exported: Api, issuer: string): Promise<{ ca: string; metadata: Record<string, unknown> }> {
  const caFile = exported.sandbox().caFile;
  assert.ok(caFile, "the API does not name the running sandbox's CA file");
  const ca = readFileSync(caFile, 'utf8');
  const answer = await send(`${issuer}/.well-known/openid-configuration`, { ca });
  assert.equal(answer.status, 200, `discovery at ${issuer} answered ${answer.status}`);
  return { ca, metadata: JSON.parse(answer.text) as Record<string, unknown> };
}

function decodeEntities(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag);
  return match ? decodeEntities(match[1]!) : undefined;
}

/** Follows the IdP's pages from the authorize URL, filling in the sign-in (and consent) forms, up to the redirect that leaves the IdP. */
async function signIn(authorizeUrl: string, credentials: Record<string, string>, ca: string): Promise<string> {
  const origin = new URL(authorizeUrl).origin;
  const cookies = new Map<string, string>();
  let url = authorizeUrl;
  let body: string | undefined;
  for (let step = 0; step < 20; step += 1) {
    const headers: Record<string, string> = { accept: 'text/html' };
    if (cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const answer = await send(url, { method: body !== undefined ? 'POST' : 'GET', headers, body, ca });
    for (const header of answer.setCookie) {
      const pair = header.split(';')[0] ?? '';
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const value = pair.slice(at + 1).trim();
      if (value === '' || /max-age=0\b/i.test(header)) cookies.delete(pair.slice(0, at).trim());
      else cookies.set(pair.slice(0, at).trim(), value);
    }
    if (answer.status >= 300 && answer.status < 400 && answer.location) {
      const next = new URL(answer.location, url).href;
      if (new URL(next).origin !== origin) return next;
      url = next;
      body = undefined;
      continue;
    }
    const form = [...answer.text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].find(
      ([, attrs = '']) => (attribute(` ${attrs}`, 'method') ?? 'get').toLowerCase() === 'post',
    );
    assert.ok(
      form,
      `the IdP page at ${url} (HTTP ${answer.status}) has no form and no redirect: ${answer.text
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 300)}`,
    );
    const fields = new URLSearchParams();
    for (const [tag] of (form[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(tag, 'name');
      if (!name) continue;
      const hidden = (attribute(tag, 'type') ?? 'text').toLowerCase() === 'hidden';
      fields.append(
        name,
        !hidden && credentials[name] !== undefined ? credentials[name] : (attribute(tag, 'value') ?? ''),
      );
    }
    url = new URL(attribute(` ${form[1] ?? ''}`, 'action') || url, url).href;
    body = fields.toString();
  }
  return assert.fail(`signing in from ${authorizeUrl} took more than 20 pages`);
}

// A flow file with a browser client of the sandbox IdP (the sandbox's own
// IdPs use machine clients, which the IdP refuses the authorization-code grant).
const AUTH_CODE_FLOW = `version: 1
environments:
  sandbox:
    issuer: \${env:SANDBOX_ISSUER}
    caFile: \${env:SANDBOX_CA_FILE}
idps:
  tokens-suite-spa:
    description: The sandbox IdP's public browser client.
    issuer: "{{env.issuer}}"
    caFile: "{{env.caFile}}"
    clientId: spa
    clientAuth: none
    scopes: [openid, orders:read]
`;

describe('Workflows: token commands', function () {
  this.timeout(120_000);
  /** Every token value the tests saw: none may be in a notification or the results panel. */
  const seen = new Set<string>();
  const documents: vscode.TextDocument[] = [];
  const written: vscode.Uri[] = [];
  const fetched: FetchedToken[] = [];
  let issuer = '';
  /** Fetched in the first test, copied, then revoked in the second. */
  let revoked = '';
  /** Fetched and verified in the third test. */
  let verified = '';

  function assertNoTokenShown(): void {
    for (const m of probe.messages) {
      const shown = [m.text, ...m.items].join(' | ');
      assert.doesNotMatch(shown, JWT_SHAPE, `a notification shows a token: ${shown.slice(0, 80)}…`);
      for (const token of seen)
        assert.ok(!shown.includes(token), `the notification "${m.text.slice(0, 60)}…" carries a token value`);
    }
    const panel = JSON.stringify(probe.toWebview.map((m) => m.message));
    for (const token of seen) assert.ok(!panel.includes(token), 'the results panel was sent a token value');
  }

  async function fetchFromSandbox(grant?: string): Promise<{ token: FetchedToken; fetchedMessage: RecordedMessage }> {
    const okta = await idpRow('okta', true);
    const since = probe.seq;
    // Fetch Token on the IdP's row (its context menu): the node is the argument.
    const done = vscode.commands.executeCommand<FetchedToken | undefined>(
      'oidcFlow.fetchToken',
      grant ? { ...(okta.node as object), grant } : okta.node,
    );
    if (!grant) {
      const pick = await promptAfter(since, /^Grant for okta$/);
      assert.deepEqual(pick.items.slice(0, 3), ['Client credentials', 'Authorization code + PKCE', 'Device code']);
      pick.answer('Client credentials');
    }
    const token = await within('oidcFlow.fetchToken', done, 60_000);
    assert.ok(token, `Fetch Token resolved with nothing; errors: ${JSON.stringify(errorsAfter(since))}`);
    fetched.push(token);
    const fetchedMessage = await notification(since, /^Token fetched from okta/);
    return { token, fetchedMessage };
  }

  before(async function () {
    const exported = await api();
    await runAnswering('oidcFlow.startSandbox', /^Sandbox running/, undefined);
    const sandbox = exported.sandbox();
    assert.ok(sandbox.running && sandbox.idpIssuer, 'the sandbox did not start');
    issuer = sandbox.idpIssuer;
  });

  after(async function () {
    for (const m of probe.messages) m.answer(undefined);
    for (const p of probe.prompts) if (!p.answered) p.answer(undefined);
    for (const token of fetched)
      await vscode.commands.executeCommand('oidcFlow.forgetToken', {
        kind: 'token',
        tokenId: token.tokenId,
        idpId: token.idpId,
      });
    for (const doc of documents) {
      if (doc.isClosed) continue;
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    for (const uri of written)
      await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false }).then(undefined, () => undefined);
    probe.clipboard = '';
    await vscode.commands.executeCommand('oidcFlow.stopRun');
    await vscode.commands.executeCommand('oidcFlow.stopSandbox');
    await vscode.commands.executeCommand('oidcFlow.refresh');
  });

  it('Fetch Token (grant picked) keeps the token off notifications and the clipboard; Copy Token on its notification puts it there', async function () {
    const before = 'nothing copied yet';
    probe.clipboard = before;
    const { token, fetchedMessage } = await fetchFromSandbox();
    assert.equal(token.grant, 'client_credentials');
    assert.equal(token.tokenKind, 'jwt');
    assert.ok(
      !/eyJ|access_token/.test(JSON.stringify(token)),
      `Fetch Token resolved with a token value: ${JSON.stringify(token)}`,
    );
    assert.match(
      fetchedMessage.text,
      /^Token fetched from okta \(expires in \d+[hm] \d+[ms]\)\. It is kept in VS Code's secret storage\.$/,
    );
    assert.deepEqual(fetchedMessage.items, ['Verify', 'Copy Token']);
    assert.equal(probe.clipboard, before, 'fetching a token changed the clipboard');

    // The token shows under the IdP in the tree (where it is kept), without its value.
    const row = (await tokenRows(await idpRow('okta', true))).find((r) => r.id === `token:${token.tokenId}`);
    assert.ok(row, 'the fetched token has no row under okta > Tokens');
    assert.match(row.description, /^client_credentials · \d+[hm] \d+[ms]$/);

    const since = probe.seq;
    fetchedMessage.answer('Copy Token');
    const copied = await notification(since, /^Access token from okta copied/);
    assert.equal(copied.text, 'Access token from okta copied. It is a credential: paste it only where you mean to.');
    const value = probe.clipboard;
    assert.notEqual(value, before, 'Copy Token left the clipboard as it was');
    assert.match(value, /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'the clipboard does not hold a JWT');
    assert.equal(claimsOf(value).iss, issuer, 'the copied token is not from the sandbox IdP');
    seen.add(value);
    probe.canaries.add(value);
    revoked = value;
    assertNoTokenShown();
  });

  it('Introspect on the token row says active and shows its claims; Revoke (confirmed) forgets it; introspecting it again says NOT active', async function () {
    assert.ok(revoked, 'needs the token fetched and copied by the test before');
    const okta = await idpRow('okta', true);
    const tokenId = fetched.at(-1)!.tokenId;
    const row = (await tokenRows(okta)).find((r) => r.id === `token:${tokenId}`);
    assert.ok(row, 'the token row is gone before revoking');

    let since = probe.seq;
    await within(
      'oidcFlow.introspectToken',
      vscode.commands.executeCommand('oidcFlow.introspectToken', row.node),
      60_000,
    );
    assert.equal((await notification(since, /says the token is/)).text, 'okta says the token is active.');
    const active = await shownRun(since, 'Introspect token: okta');
    assert.equal(active.status, 'passed');
    const answer = JSON.parse(active.steps[0]?.introspection ?? '{}') as Record<string, unknown>;
    assert.equal(answer.active, true);
    assert.equal(answer.iss, issuer, `the introspection shows no issuer: ${JSON.stringify(Object.keys(answer))}`);
    assert.match(String(answer.scope), /\borders:read\b/);
    assert.equal(answer.jti, claimsOf(revoked).jti, 'the introspection is about another token');
    assert.ok(
      typeof answer.client_id === 'string' && typeof answer.exp === 'number',
      `claims shown: ${JSON.stringify(Object.keys(answer))}`,
    );

    since = probe.seq;
    const revoking = vscode.commands.executeCommand('oidcFlow.revokeToken', row.node);
    const sure = await notification(since, /^Revoke this token at okta\?$/);
    assert.equal(sure.severity, 'warning');
    assert.deepEqual(sure.items, ['Revoke']);
    sure.answer('Revoke');
    await within('oidcFlow.revokeToken', revoking, 60_000);
    assert.match(
      (await notification(since, /accepted the revocation/)).text,
      /^okta accepted the revocation \(HTTP 200\)\.$/,
    );
    assert.equal((await shownRun(since, 'Revoke token: okta')).status, 'passed');
    // A fresh look at the tree (a row's children are those of the moment it was drawn).
    assert.ok(
      !(await tokenRows(await idpRow('okta', true))).some((r) => r.id === `token:${tokenId}`),
      'the revoked token still shows under okta > Tokens',
    );

    // From the palette: pick the IdP, then paste the token (left empty: from the clipboard).
    since = probe.seq;
    const again = vscode.commands.executeCommand('oidcFlow.introspectToken');
    const which = await promptAfter(since, /Introspect at which identity provider\?/);
    which.answer('okta');
    await giveToken(which.seq, 'introspect', '');
    await within('oidcFlow.introspectToken (again)', again, 60_000);
    assert.equal((await notification(since, /says the token is/)).text, 'okta says the token is NOT active.');
    const inactive = await shownRun(since, 'Introspect token: okta');
    assert.equal(JSON.parse(inactive.steps[0]?.introspection ?? '{}').active, false);
    assertNoTokenShown();
  });

  it('Verify checks a sandbox JWT against the sandbox JWKS (valid), and names the failing signature check of a tampered one', async function () {
    const exported = await api();
    const { token, fetchedMessage } = await fetchFromSandbox('client_credentials');

    // The "Verify" button on the "Token fetched" notification.
    let before = exported.lastRun()?.runId;
    let since = probe.seq;
    fetchedMessage.answer('Verify');
    const valid = await runEnded(exported, before, 'Verify token: okta');
    assert.equal(valid.status, 'passed', JSON.stringify(valid));
    const shownValid = (await shownRun(since, 'Verify token: okta')).steps[0];
    assert.equal(shownValid?.token?.signature, 'verified', JSON.stringify(shownValid?.token?.checks));
    const signature = shownValid?.token?.checks?.find((c) => c.id === 'signature');
    assert.ok(signature?.ok, `no passed signature check: ${JSON.stringify(shownValid?.token?.checks)}`);
    assert.match(signature.message, /^The signature is valid \(RS256/);
    assert.deepEqual(
      shownValid?.token?.checks?.filter((c) => !c.ok),
      [],
    );
    assert.ok(
      shownValid?.token?.claims.some((c) => c.name === 'iss' && c.value === JSON.stringify(issuer)),
      'the verified claims show no iss',
    );

    // Keep the value for the decode test (Copy Token on the token's row).
    const row = (await tokenRows(await idpRow('okta', true))).find((r) => r.id === `token:${token.tokenId}`);
    assert.ok(row, 'the token fetched for verification has no row');
    await vscode.commands.executeCommand('oidcFlow.copyToken', row.node);
    verified = probe.clipboard;
    assert.match(verified, JWT_SHAPE);
    seen.add(verified);
    probe.canaries.add(verified);

    // A token with one character of its signature changed, pasted from the palette.
    assert.ok(revoked, 'needs the token of the first test');
    const [header, payload, sig = ''] = revoked.split('.');
    const tampered = `${header}.${payload}.${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    seen.add(tampered);
    before = exported.lastRun()?.runId;
    since = probe.seq;
    const verifying = vscode.commands.executeCommand('oidcFlow.verifyToken');
    await giveToken(since, 'verify', tampered);
    const against = await promptAfter(since, /Verify against the keys \(JWKS\) of which IdP\?/);
    assert.equal(against.items[0], "$(globe) The token's issuer");
    assert.equal(
      against.items[1],
      'okta',
      `the IdP whose issuer matches is not offered first: ${JSON.stringify(against.items)}`,
    );
    against.answer('okta');
    await within('oidcFlow.verifyToken (tampered)', verifying, 60_000);
    const invalid = await runEnded(exported, before, 'Verify token: okta');
    assert.equal(invalid.status, 'failed', JSON.stringify(invalid));
    assert.equal(invalid.steps[0]?.status, 'failed');
    const shownInvalid = (await shownRun(since, 'Verify token: okta')).steps[0];
    assert.equal(shownInvalid?.token?.signature, 'failed');
    const failing = shownInvalid?.token?.checks?.filter((c) => !c.ok) ?? [];
    assert.deepEqual(
      failing.map((c) => [c.id, c.code]),
      [['signature', 'jwt.signature_invalid']],
      JSON.stringify(shownInvalid?.token?.checks),
    );
    assert.match(failing[0]!.message, /signature does not match/);
    assert.ok(
      shownInvalid?.notes.some((n) => /signature does not match/.test(n)),
      'the step notes do not name the failed check',
    );
    assertNoTokenShown();
  });

  it('Decode Token from an editor selection, from the clipboard, and refuses a non-token typed in with a clear error', async function () {
    assert.ok(revoked && verified, 'needs the tokens of the tests before');
    const decoded = (): {
      doc: vscode.TextDocument;
      view: {
        note: string;
        header: Record<string, unknown>;
        payload: Record<string, unknown>;
        explanations: Record<string, string>;
      };
    } => {
      const doc = vscode.window.activeTextEditor?.document;
      // Read-only (its own scheme), so closing it never asks to save.
      assert.ok(
        doc && doc.languageId === 'json' && doc.uri.scheme === 'oidc-flow-token' && !doc.isUntitled && !doc.isDirty,
        `the active editor is not a read-only decoded token: ${doc?.uri.toString()} (${doc?.languageId})`,
      );
      if (!documents.includes(doc)) documents.push(doc);
      return { doc, view: JSON.parse(doc.getText()) };
    };

    // 1. The JWT selected in a document, with text around it.
    const text = `GET /orders HTTP/1.1\nAuthorization: Bearer ${revoked}\nAccept: application/json\n`;
    const source = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
    documents.push(source);
    const editor = await vscode.window.showTextDocument(source);
    const start = source.positionAt(text.indexOf(revoked));
    editor.selection = new vscode.Selection(start, source.positionAt(text.indexOf(revoked) + revoked.length));
    assert.equal(source.getText(editor.selection), revoked);
    let since = probe.seq;
    await within('oidcFlow.decodeToken (selection)', vscode.commands.executeCommand('oidcFlow.decodeToken'), 30_000);
    assert.deepEqual(
      probe.prompts.filter((p) => p.seq > since).map((p) => p.text),
      [],
      'Decode Token asked although a token was selected',
    );
    const fromSelection = decoded();
    assert.notEqual(fromSelection.doc, source, 'Decode Token opened no document');
    assert.match(fromSelection.view.note, /^UNVERIFIED/);
    assert.deepEqual(fromSelection.view.payload, claimsOf(revoked));
    assert.equal(fromSelection.view.header.alg, 'RS256');
    assert.match(fromSelection.view.explanations.iss ?? '', /./, 'the decoded view explains no iss claim');
    assert.match(fromSelection.view.explanations.exp ?? '', /./, 'the decoded view explains no exp claim');
    assert.equal(source.getText(), text, 'decoding changed the document the token was selected in');

    // 2. The clipboard: nothing selected, the input box left empty.
    assert.ok(vscode.window.activeTextEditor?.selection.isEmpty, 'the decoded document has a selection');
    probe.clipboard = verified;
    since = probe.seq;
    const fromClip = vscode.commands.executeCommand('oidcFlow.decodeToken');
    const paste = await promptAfter(since, /Paste a JWT to decode/);
    assert.equal(paste.kind, 'inputBox');
    assert.match(paste.text, /leave empty to use the clipboard/);
    paste.answer('');
    await within('oidcFlow.decodeToken (clipboard)', fromClip, 30_000);
    const fromClipboard = decoded();
    assert.notEqual(fromClipboard.doc, fromSelection.doc, 'decoding the clipboard opened no new document');
    assert.deepEqual(fromClipboard.view.payload, claimsOf(verified));
    assert.notEqual(claimsOf(verified).jti, claimsOf(revoked).jti, 'the two tokens are the same token');

    // 3. Something that is not a token, typed into the input box.
    const docsBefore = vscode.workspace.textDocuments.length;
    since = probe.seq;
    const refusing = vscode.commands.executeCommand('oidcFlow.decodeToken');
    (await promptAfter(since, /Paste a JWT to decode/)).answer('this is not a token');
    await within('oidcFlow.decodeToken (not a token)', refusing, 30_000);
    const errors = errorsAfter(since);
    assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(errors)}`);
    assert.match(errors[0]!, /^The token has no dots, so it is not a JWT/);
    assert.doesNotMatch(errors[0]!, /\n\s+at |Error:|\.ts:\d+|\.js:\d+/, 'the error shows a stack trace');
    assert.equal(vscode.workspace.textDocuments.length, docsBefore, 'a document was opened for a non-token');
    assertNoTokenShown();
  });

  it("Fetch Token with the authorization-code grant opens the IdP's authorize URL (PKCE, loopback) and, once signed in there, keeps the token", async function () {
    const exported = await api();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test window has no workspace folder to write a flow file into');
    const file = vscode.Uri.joinPath(folder.uri, 'tokens-suite', 'auth-code.oidc-flow.yaml');
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(AUTH_CODE_FLOW));
    written.push(vscode.Uri.joinPath(folder.uri, 'tokens-suite'));
    await vscode.commands.executeCommand('oidcFlow.refresh');
    const spa = await idpRow('tokens-suite-spa', false);
    const { ca, metadata } = await sandboxCa(exported, issuer);
    const authorizeEndpoint = String(metadata.authorization_endpoint);
    assert.ok(authorizeEndpoint.startsWith(issuer), `the discovered authorize endpoint is ${authorizeEndpoint}`);

    const clipboardBefore = probe.clipboard;
    const openedBefore = probe.opened.length;
    const since = probe.seq;
    const done = vscode.commands.executeCommand<FetchedToken | undefined>('oidcFlow.fetchToken', spa.node);
    (await promptAfter(since, /^Grant for tokens-suite-spa$/)).answer('Authorization code + PKCE');
    const opened = await waitFor(
      'the product to open the browser (vscode.env.openExternal)',
      () =>
        probe.opened.slice(openedBefore)[0] ??
        (errorsAfter(since)[0] ? { seq: -1, uri: `error: ${errorsAfter(since)[0]}` } : undefined),
      60_000,
    );
    assert.notEqual(opened.seq, -1, opened.uri);
    assert.equal(probe.opened.length, openedBefore + 1, 'the browser was opened more than once');

    const authorize = new URL(opened.uri);
    assert.equal(`${authorize.origin}${authorize.pathname}`, authorizeEndpoint);
    const q = authorize.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), 'spa');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/, 'no S256 PKCE code_challenge');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(
      q.get('redirect_uri') ?? '',
      /^http:\/\/127\.0\.0\.1:\d+\/callback$/,
      'the redirect_uri is not a loopback one',
    );
    assert.match(q.get('scope') ?? '', /^openid orders:read$/);
    assert.ok((q.get('state') ?? '').length >= 16, 'no state');
    assert.equal(q.get('code_verifier'), null, 'the PKCE verifier went to the browser');

    // The person signs in; the browser then follows the IdP's redirect to the product's loopback listener.
    const redirect = await signIn(opened.uri, { username: 'alice', password: 'alice-password' }, ca);
    assert.ok(
      redirect.startsWith(`${q.get('redirect_uri')}?`),
      `the IdP redirected to ${redirect.split('?')[0]}, not the loopback redirect_uri`,
    );
    const back = new URL(redirect).searchParams;
    assert.equal(back.get('state'), q.get('state'));
    assert.ok(back.get('code'), `the IdP sent no code back: error ${back.get('error')}`);
    const landing = await fetch(redirect);
    assert.equal(landing.status, 200);
    assert.match(await landing.text(), /Signed in/);

    const token = await within('oidcFlow.fetchToken (authorization_code)', done, 60_000);
    assert.ok(token, `Fetch Token resolved with nothing; errors: ${JSON.stringify(errorsAfter(since))}`);
    fetched.push(token);
    assert.equal(token.grant, 'authorization_code');
    assert.equal(token.idpId, (spa.node as { id: string }).id);
    assert.equal(token.tokenKind, 'jwt');
    assert.match(token.scope ?? '', /\borders:read\b/);
    assert.ok(
      !/eyJ|access_token|refresh_token/.test(JSON.stringify(token)),
      `Fetch Token resolved with a token value: ${JSON.stringify(token)}`,
    );
    assert.equal(exported.lastRun()?.title, 'Fetch token: tokens-suite-spa (authorization_code)');
    assert.equal(exported.lastRun()?.status, 'passed');
    assert.match(
      (await notification(since, /^Token fetched from tokens-suite-spa/)).text,
      /It is kept in VS Code's secret storage\.$/,
    );
    const row = (await tokenRows(await idpRow('tokens-suite-spa', false))).find(
      (r) => r.id === `token:${token.tokenId}`,
    );
    assert.ok(row, 'the signed-in token has no row under tokens-suite-spa > Tokens');
    assert.match(row.description, /^authorization_code · /);
    assert.match(row.tooltip, /Subject: /, 'the token row names no subject (a person signed in)');
    assert.equal(probe.clipboard, clipboardBefore, 'the sign-in changed the clipboard');
    assertNoTokenShown();
  });
});
