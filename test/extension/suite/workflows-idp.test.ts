/**
 * The IdP commands as a person drives them, in the real extension host:
 * Add IdP (Okta, any issuer, local sandbox) answered prompt by prompt,
 * Edit IdP (the editor opens at the entry; the person edits and saves),
 * Remove IdP (the modal question, with and without Escape) and Discover
 * (the sandbox's IdP, a flow file's sandbox IdP, an issuer nobody answers).
 *
 * What a person would look at is checked where it lands: the flow file on
 * disk, the Identity Providers view, the notifications, the settings, and
 * the secret store (seen through what the product does with it: a token
 * request to a loopback IdP this suite runs sends the stored client secret,
 * and a missing secret makes the product ask for it).
 *
 * Sorts after steps-api.test.ts: product.test.ts checks the state right
 * after activation, and these tests start the sandbox.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import type { RecordedPrompt } from './probe';
import { api, errorsAfter, messageAfter, probe, product, promptAfter, rows, VIEWS } from './probe';
import type { Api, SnapshotNode } from './probe';
import { waitFor } from './wait';

interface IdpRef {
  kind: 'idp';
  sourceId: string;
  name: string;
  idpId: string;
}

interface WrittenIdp {
  description?: string;
  issuer?: string;
  okta?: { domain: string; authorizationServerId?: string };
  caFile?: string;
  clientId?: string;
  clientAuth?: string;
  clientSecret?: string;
  scopes?: string[];
}

// The prompts of Add IdP, by their titles (placeholders for the pick of a file).
const KIND = /^Add IdP \(1\/5\): kind/;
const OKTA_DOMAIN = /^Add IdP \(2\/5\): Okta domain/;
const OKTA_SERVER = /^Add IdP \(2\/5\): authorization server/;
const ISSUER = /^Add IdP \(2\/5\): issuer/;
const NAME = /^Add IdP \(3\/5\): name/;
const CLIENT_ID = /^Add IdP \(4\/5\): client id/;
const CLIENT_AUTH = /^Add IdP \(5\/5\): client authentication/;
const CLIENT_SECRET = /^Add IdP: client secret/;
const WHICH_FILE = /^Add \S+ to which flow file\?/;

const OKTA = '$(shield) Okta';
const ANY_ISSUER = '$(globe) Any OpenID Connect / OAuth 2.0 server';
const LOCAL_SANDBOX = '$(beaker) Local sandbox';
const NEW_FILE = '$(new-file) New file oidc-flow.yaml';

const OKTA_DOMAIN_TEXT = 'dev-123456.okta.com';
const OKTA_SERVER_ID = 'ausWf7x2y3z';
const OKTA_NAME = 'wf-okta';
const OKTA_CLIENT_ID = '0oaWorkflowClient42';
const OKTA_SECRET_KEY = `${OKTA_NAME}.clientSecret`;
// Made up for this run; never printed (assertions say where it was found, not what it is).
const OKTA_SECRET = `wf-client-secret-${randomUUID()}`;
probe.canaries.add(OKTA_SECRET);

function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test window has no workspace folder');
  return folder;
}

async function readText(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

/** Every file in the workspace with its text: what "writes nothing" is checked against. */
async function workspaceFiles(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const uri of await vscode.workspace.findFiles('**/*')) out.set(uri.toString(), await readText(uri));
  return out;
}

function idpsOf(text: string): Record<string, WrittenIdp> {
  const data = parse(text) as { version?: unknown; idps?: Record<string, WrittenIdp> } | null;
  assert.ok(data && typeof data === 'object', `the flow file is not a YAML mapping:\n${text}`);
  assert.equal(data.version, 1, 'the flow file has no "version: 1"');
  return data.idps ?? {};
}

async function idpNode(exported: Api, idpId: string): Promise<SnapshotNode | undefined> {
  return (await exported.treeSnapshot(VIEWS.idps, 2)).find((n) => n.id === idpId);
}

function child(node: SnapshotNode, label: string): SnapshotNode {
  const found = node.children?.find((c) => c.label === label);
  assert.ok(
    found,
    `${node.label} shows no "${label}" row; it shows ${JSON.stringify(node.children?.map((c) => c.label))}`,
  );
  return found;
}

/** Waits until `promise` settles; on time-out names the prompts left unanswered (a command waiting for a person). */
async function settled<T>(what: string, promise: Thenable<T>, since: number, timeoutMs = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const waiting = probe.prompts
        .filter((p) => p.seq > since && !p.answered)
        .map((p) => p.text || p.items.join(', '));
      reject(
        new Error(
          `${what} did not finish within ${timeoutMs / 1000} s; unanswered prompts: ${JSON.stringify(waiting)}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve(promise), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a command and answers its prompts in order, as a person would
 * (undefined is Escape); resolves with what the command returned and the
 * prompts it showed.
 */
async function drive<T>(
  command: string,
  args: unknown[],
  answers: Array<[RegExp, string | undefined]>,
): Promise<{ result: T; since: number; prompts: RecordedPrompt[] }> {
  const since = probe.seq;
  const done = vscode.commands.executeCommand<T>(command, ...args);
  for (const [pattern, value] of answers) (await promptAfter(since, pattern)).answer(value);
  const result = await settled(command, done, since);
  const prompts = probe.prompts.filter((p) => p.seq > since);
  assert.deepEqual(
    prompts.filter((p) => !p.answered).map((p) => p.text),
    [],
    `${command} finished with prompts still open`,
  );
  return { result, since, prompts };
}

/** The answers that add the Okta IdP of this suite (the file pick last). */
function oktaAnswers(name: string, fileChoice: string): Array<[RegExp, string]> {
  return [
    [KIND, OKTA],
    [OKTA_DOMAIN, OKTA_DOMAIN_TEXT],
    [OKTA_SERVER, OKTA_SERVER_ID],
    [NAME, name],
    [CLIENT_ID, OKTA_CLIENT_ID],
    [CLIENT_AUTH, 'client_secret_basic'],
    [CLIENT_SECRET, OKTA_SECRET],
    [WHICH_FILE, fileChoice],
  ];
}

/** The secret key names the product lists in Store Secret's picker (it lists names, never values). */
async function listedSecretKeys(): Promise<string[]> {
  const since = probe.seq;
  const done = vscode.commands.executeCommand('oidcFlow.storeSecret');
  const asked = await promptAfter(since, /^Store which secret\?|^Secret key, as written/);
  const keys = asked.kind === 'quickPick' ? asked.items.filter((label) => !label.startsWith('$(add)')) : [];
  asked.answer(undefined);
  await settled('Store Secret', done, since);
  return keys;
}

/** A loopback IdP for this suite: a discovery document and a token endpoint that records the client's Basic credentials. */
async function startFakeIdp(): Promise<{ issuer: string; basicSecrets: string[]; close(): Promise<void> }> {
  const basicSecrets: string[] = [];
  const server = http.createServer((req, res) => {
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/.well-known/openid-configuration') {
      json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/keys`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
      return;
    }
    if (req.method === 'POST' && req.url === '/token') {
      req.resume();
      req.on('end', () => {
        const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
        const colon = decoded.indexOf(':');
        basicSecrets.push(colon >= 0 ? decodeURIComponent(decoded.slice(colon + 1)) : '');
        json(200, { access_token: `opaque-${randomUUID()}`, token_type: 'Bearer', expires_in: 300 });
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    basicSecrets,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Workflows: IdP commands (add, edit, remove, discover) as a person drives them', function () {
  this.timeout(180_000);

  const created: vscode.Uri[] = [];
  const fetchedTokens: string[] = [];
  let fakeIdp: Awaited<ReturnType<typeof startFakeIdp>> | undefined;
  let fixtureDir: vscode.Uri;
  let checkRef: IdpRef | undefined;
  let oktaRef: IdpRef | undefined;
  let oktaFile: vscode.Uri | undefined;
  let sandboxPresetRef: IdpRef | undefined;
  let genericRef: IdpRef | undefined;

  /**
   * What the secret store holds under OKTA_SECRET_KEY, seen through the
   * product: Fetch Token on an IdP of this suite's loopback IdP whose
   * clientSecret is ${secret:OKTA_SECRET_KEY}. Resolves with the client
   * secret the token endpoint received, or 'missing' when the product had
   * to ask for it (the prompt is answered with Escape).
   */
  async function storedOktaSecret(): Promise<string | 'missing'> {
    assert.ok(fakeIdp && checkRef, 'the secret-check IdP was not set up');
    const since = probe.seq;
    const requestsBefore = fakeIdp.basicSecrets.length;
    let finished = false;
    const done = Promise.resolve(
      vscode.commands.executeCommand<{ tokenId?: string } | undefined>('oidcFlow.fetchToken', {
        ...checkRef,
        grant: 'client_credentials',
      }),
    ).finally(() => (finished = true));
    const asked = await waitFor(
      'Fetch Token to finish or to ask for the secret',
      () =>
        finished
          ? 'finished'
          : probe.prompts.find((p) => p.seq > since && !p.answered && p.text.startsWith(`Secret ${OKTA_SECRET_KEY}`)),
      60_000,
    );
    if (asked !== 'finished') {
      asked.answer(undefined);
      const fetched = await settled('Fetch Token', done, since);
      if (fetched?.tokenId) fetchedTokens.push(fetched.tokenId);
      return 'missing';
    }
    const fetched = await done;
    assert.deepEqual(errorsAfter(since), [], 'Fetch Token with the stored secret failed');
    assert.ok(fetched?.tokenId, 'Fetch Token resolved with no token');
    fetchedTokens.push(fetched.tokenId);
    assert.equal(fakeIdp.basicSecrets.length, requestsBefore + 1, 'the token endpoint was not called once');
    return fakeIdp.basicSecrets.at(-1)!;
  }

  before(async function () {
    const exported = await api();
    fakeIdp = await startFakeIdp();
    fixtureDir = vscode.Uri.joinPath(workspaceFolder().uri, 'workflows-idp');
    const check = vscode.Uri.joinPath(fixtureDir, 'secret-check.oidc-flow.yaml');
    await vscode.workspace.fs.writeFile(
      check,
      new TextEncoder().encode(`version: 1
idps:
  wf-secret-check:
    description: Reads the Okta IdP's stored client secret the way a run does, against a loopback IdP of the test.
    issuer: ${fakeIdp.issuer}
    clientId: secret-check-client
    clientAuth: client_secret_basic
    clientSecret: \${secret:${OKTA_SECRET_KEY}}
`),
    );
    await vscode.commands.executeCommand('oidcFlow.refresh');
    const node = await waitFor('the IdP wf-secret-check', async () =>
      (await exported.treeSnapshot(VIEWS.idps, 0)).find((n) => n.label === 'wf-secret-check'),
    );
    checkRef = { kind: 'idp', sourceId: check.toString(), name: 'wf-secret-check', idpId: node.id };
  });

  after(async function () {
    for (const m of probe.messages) m.answer(undefined);
    for (const p of probe.prompts) if (!p.answered) p.answer(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const tokenId of fetchedTokens)
      await vscode.commands.executeCommand('oidcFlow.forgetToken', { kind: 'token', tokenId, idpId: '' });
    for (const uri of created)
      await vscode.workspace.fs.delete(uri, { useTrash: false }).then(undefined, () => undefined);
    if (fixtureDir)
      await vscode.workspace.fs
        .delete(fixtureDir, { recursive: true, useTrash: false })
        .then(undefined, () => undefined);
    await vscode.commands.executeCommand('oidcFlow.stopSandbox');
    await fakeIdp?.close();
    await vscode.commands.executeCommand('oidcFlow.refresh');
  });

  it('Add IdP → Okta writes the domain and authorization server to a new flow file, the secret only to the secret store', async function () {
    const exported = await api();
    const { result, since, prompts } = await drive<IdpRef | undefined>(
      'oidcFlow.addIdp',
      [],
      oktaAnswers(OKTA_NAME, NEW_FILE),
    );
    assert.deepEqual(prompts.find((p) => KIND.test(p.text))?.items, [OKTA, ANY_ISSUER, LOCAL_SANDBOX]);
    assert.ok(prompts.find((p) => CLIENT_AUTH.test(p.text))?.items.includes('client_secret_basic'));
    assert.deepEqual(errorsAfter(since), []);
    assert.ok(
      result && result.kind === 'idp' && result.name === OKTA_NAME,
      `Add IdP resolved with ${JSON.stringify(result)}`,
    );
    oktaRef = result;
    oktaFile = vscode.Uri.parse(result.sourceId);
    created.push(oktaFile);
    assert.match(oktaFile.path, /\/(idp-\d+\.)?oidc-flow\.yaml$/);
    assert.equal(
      vscode.workspace.getWorkspaceFolder(oktaFile)?.uri.toString(),
      workspaceFolder().uri.toString(),
      'the flow file is not in the workspace',
    );

    // The flow file on disk: the Okta preset, the secret by reference only.
    const text = await readText(oktaFile);
    assert.ok(!text.includes(OKTA_SECRET), 'the client secret is written in the flow file');
    const written = idpsOf(text)[OKTA_NAME];
    assert.ok(written, `the flow file has no idps.${OKTA_NAME}:\n${text}`);
    assert.deepEqual(written.okta, { domain: OKTA_DOMAIN_TEXT, authorizationServerId: OKTA_SERVER_ID });
    assert.equal(written.clientId, OKTA_CLIENT_ID);
    assert.equal(written.clientAuth, 'client_secret_basic');
    assert.equal(written.clientSecret, `\${secret:${OKTA_SECRET_KEY}}`);
    assert.match(text, /^# Secrets are never written here/, 'the new file lacks the header that says where secrets go');

    // The notification says where it went and offers the next steps (dismissed here; the next test opens the file from it).
    const addedMessage = messageAfter(since, new RegExp(`^IdP ${OKTA_NAME} added to `));
    assert.ok(
      addedMessage,
      `no "IdP ${OKTA_NAME} added" notification: ${JSON.stringify(probe.messages.filter((m) => m.seq > since).map((m) => m.text))}`,
    );
    assert.equal(addedMessage.text, `IdP ${OKTA_NAME} added to ${vscode.workspace.asRelativePath(oktaFile)}.`);
    assert.deepEqual(addedMessage.items, ['Discover', 'Fetch Token', 'Open File']);
    addedMessage.answer(undefined);

    // The Identity Providers view: the issuer a person expects from an Okta custom authorization server.
    const node = await waitFor(`${OKTA_NAME} in the Identity Providers view`, () => idpNode(exported, result.idpId));
    assert.equal(node.label, OKTA_NAME);
    assert.equal(node.contextValue, 'idp.file');
    assert.equal(node.description, `${vscode.workspace.asRelativePath(oktaFile)} · not discovered`);
    assert.equal(child(node, 'Issuer').description, `https://${OKTA_DOMAIN_TEXT}/oauth2/${OKTA_SERVER_ID}`);
    assert.equal(child(node, 'Client').description, `${OKTA_CLIENT_ID} · client_secret_basic`);
    const shownRow = (await rows(VIEWS.idps)).find((r) => r.label === OKTA_NAME);
    const clientRow = shownRow && (await rows(VIEWS.idps, shownRow.node)).find((r) => r.label === 'Client');
    assert.equal(clientRow?.tooltip, `Client secret from the secret store: \${secret:${OKTA_SECRET_KEY}}`);
    assert.ok(
      !JSON.stringify(await exported.treeSnapshot(VIEWS.idps)).includes(OKTA_SECRET),
      'the Identity Providers view shows the client secret',
    );
    assert.ok(!probe.messages.some((m) => m.text.includes(OKTA_SECRET)), 'a notification shows the client secret');

    // Not in any setting (user, workspace, folder), nor in any workspace file.
    const manifest = product().packageJSON as {
      contributes: {
        configuration: { properties: Record<string, unknown> } | Array<{ properties: Record<string, unknown> }>;
      };
    };
    const configuration = manifest.contributes.configuration;
    const keys = (Array.isArray(configuration) ? configuration : [configuration]).flatMap((c) =>
      Object.keys(c.properties),
    );
    assert.ok(keys.length > 0, 'the product contributes no settings');
    for (const key of keys)
      assert.ok(
        !JSON.stringify(vscode.workspace.getConfiguration().inspect(key) ?? {}).includes(OKTA_SECRET),
        `the client secret is in the setting ${key}`,
      );
    assert.ok(
      !JSON.stringify(vscode.workspace.getConfiguration('oidcFlow')).includes(OKTA_SECRET),
      'the client secret is in the oidcFlow settings',
    );
    for (const [uri, fileText] of await workspaceFiles())
      assert.ok(!fileText.includes(OKTA_SECRET), `the client secret is written in ${uri}`);

    // In the secret store, under the key the file names: a token request sends exactly what was typed.
    assert.ok((await listedSecretKeys()).includes(OKTA_SECRET_KEY), `Store Secret does not list ${OKTA_SECRET_KEY}`);
    const stored = await storedOktaSecret();
    assert.ok(stored !== 'missing', `${OKTA_SECRET_KEY} is not in the secret store: the product asked for it`);
    assert.ok(
      stored === OKTA_SECRET,
      'the token endpoint received a different client secret than the one typed into Add IdP',
    );
  });

  it('Add IdP → any issuer adds a public client to the existing flow file, keeping what it held', async function () {
    const exported = await api();
    assert.ok(oktaFile && oktaRef, 'needs the flow file of the Okta test');
    const before = await readText(oktaFile);
    const { result, since, prompts } = await drive<IdpRef | undefined>(
      'oidcFlow.addIdp',
      [],
      [
        [KIND, ANY_ISSUER],
        [ISSUER, 'https://login.example.com/realms/main/'],
        [NAME, 'wf-generic'],
        [CLIENT_ID, 'generic-public-client'],
        [CLIENT_AUTH, 'none'],
        [WHICH_FILE, vscode.workspace.asRelativePath(oktaFile)],
      ],
    );
    assert.deepEqual(errorsAfter(since), []);
    assert.ok(!prompts.some((p) => CLIENT_SECRET.test(p.text)), 'a public client was asked for a client secret');
    const filePick = prompts.find((p) => WHICH_FILE.test(p.text));
    assert.ok(
      filePick?.items.includes(NEW_FILE) && filePick.items.includes(vscode.workspace.asRelativePath(oktaFile)),
      `the file pick offers ${JSON.stringify(filePick?.items)}`,
    );
    assert.ok(
      result?.kind === 'idp' && result.name === 'wf-generic',
      `Add IdP resolved with ${JSON.stringify(result)}`,
    );
    assert.equal(result.sourceId, oktaFile.toString(), 'the IdP went to another file than the one picked');
    genericRef = result;

    const text = await readText(oktaFile);
    const idps = idpsOf(text);
    assert.deepEqual(idps['wf-generic'], {
      issuer: 'https://login.example.com/realms/main',
      clientId: 'generic-public-client',
      clientAuth: 'none',
    });
    assert.deepEqual(idps[OKTA_NAME], idpsOf(before)[OKTA_NAME], 'adding an IdP changed the other IdP in the file');
    assert.match(text, /^# Secrets are never written here/, "adding an IdP dropped the file's comment");
    assert.ok(messageAfter(since, /^IdP wf-generic added to /), 'no "IdP wf-generic added" notification');

    const node = await waitFor('wf-generic in the Identity Providers view', () => idpNode(exported, result.idpId));
    assert.equal(child(node, 'Issuer').description, 'https://login.example.com/realms/main');
    assert.equal(child(node, 'Client').description, 'generic-public-client · none');
    assert.ok(await idpNode(exported, oktaRef.idpId), `${OKTA_NAME} left the view`);
  });

  it('Add IdP → Local sandbox writes an IdP made of ${env:SANDBOX_*} references to a new file; Open File shows it', async function () {
    const exported = await api();
    assert.ok(oktaFile, 'needs the flow file of the Okta test');
    const { result, since, prompts } = await drive<IdpRef | undefined>(
      'oidcFlow.addIdp',
      [],
      [
        [KIND, LOCAL_SANDBOX],
        [/^Add sandbox to which flow file\?/, NEW_FILE],
      ],
    );
    assert.deepEqual(errorsAfter(since), []);
    assert.equal(
      prompts.length,
      2,
      `the sandbox preset asked more than its kind and file: ${JSON.stringify(prompts.map((p) => p.text))}`,
    );
    assert.ok(result?.kind === 'idp' && result.name === 'sandbox', `Add IdP resolved with ${JSON.stringify(result)}`);
    const file = vscode.Uri.parse(result.sourceId);
    created.push(file);
    assert.notEqual(file.toString(), oktaFile.toString(), '"New file" wrote into the existing oidc-flow.yaml');
    assert.match(
      file.path,
      /\/idp-\d+\.oidc-flow\.yaml$/,
      'with oidc-flow.yaml taken, the new file is not named idp-N.oidc-flow.yaml',
    );
    assert.ok((await readText(oktaFile)).includes('wf-generic'), 'the existing flow file was overwritten');

    const written = idpsOf(await readText(file)).sandbox;
    assert.ok(written, 'the new file has no idps.sandbox');
    assert.equal(written.issuer, '${env:SANDBOX_ISSUER}');
    assert.equal(written.caFile, '${env:SANDBOX_CA_FILE}');
    assert.equal(written.clientId, '${env:SANDBOX_CLIENT_ID}');
    assert.equal(written.clientSecret, '${env:SANDBOX_CLIENT_SECRET}');
    assert.equal(written.clientAuth, 'client_secret_basic');

    const node = await waitFor("the file's sandbox IdP in the Identity Providers view", () =>
      idpNode(exported, result.idpId),
    );
    assert.equal(node.contextValue, 'idp.file');
    assert.equal(node.description, `${vscode.workspace.asRelativePath(file)} · not discovered`);
    sandboxPresetRef = result;

    // Open File on the notification opens the file with the cursor on the new entry.
    const addedMessage = messageAfter(since, /^IdP sandbox added to /);
    assert.ok(addedMessage, 'no "IdP sandbox added" notification');
    assert.equal(addedMessage.text, `IdP sandbox added to ${vscode.workspace.asRelativePath(file)}.`);
    addedMessage.answer('Open File');
    const editor = await waitFor(
      'the flow file in an editor',
      () =>
        vscode.window.activeTextEditor?.document.uri.toString() === file.toString() && vscode.window.activeTextEditor,
    );
    assert.match(
      editor.document.lineAt(editor.selection.active.line).text,
      /^\s+sandbox:/,
      'Open File did not put the cursor on the IdP',
    );
  });

  it('Escape at any Add IdP prompt writes no file; Escape before the secret is typed stores no secret', async function () {
    await api();
    const answers = oktaAnswers('wf-cancelled', NEW_FILE);
    const filesBefore = await workspaceFiles();
    const keysBefore = await listedSecretKeys();
    assert.ok(!keysBefore.includes('wf-cancelled.clientSecret'));
    for (let escapeAt = 0; escapeAt < answers.length; escapeAt += 1) {
      const [escaped] = answers[escapeAt]!;
      const { result, since } = await drive<unknown>(
        'oidcFlow.addIdp',
        [],
        [...answers.slice(0, escapeAt), [escaped, undefined]],
      );
      assert.equal(result, undefined, `Escape at ${escaped} still resolved with an IdP`);
      assert.deepEqual(errorsAfter(since), [], `Escape at ${escaped} showed an error`);
      assert.equal(messageAfter(since, /added to/), undefined, `Escape at ${escaped} said the IdP was added`);
      const filesAfter = await workspaceFiles();
      assert.deepEqual(
        [...filesAfter.keys()].sort(),
        [...filesBefore.keys()].sort(),
        `Escape at ${escaped} created or deleted a file`,
      );
      for (const [uri, text] of filesAfter)
        assert.ok(text === filesBefore.get(uri), `Escape at ${escaped} changed ${uri}`);
      assert.deepEqual(await listedSecretKeys(), keysBefore, `Escape at ${escaped} stored a secret`);
    }
    assert.ok(!(await rows(VIEWS.idps)).some((r) => r.label === 'wf-cancelled'), 'a cancelled IdP shows in the view');
  });

  // Remove runs before Edit: once the product has opened a flow file in an
  // editor, it reads the editor's copy, which lags what its commands write to
  // disk (see the report of this suite), so the file it removes from is one
  // no editor has opened.
  it('Remove IdP asks first (Escape keeps everything), then removes the entry and, when asked to, its secret', async function () {
    const exported = await api();
    assert.ok(oktaRef && oktaFile, 'needs the IdP of the Okta test');
    const before = await readText(oktaFile);
    const question = new RegExp(
      `^Remove the IdP ${OKTA_NAME} from ${vscode.workspace.asRelativePath(oktaFile).replace(/[.]/g, '\\.')}\\?$`,
    );

    // Escape at the question: nothing changes.
    let since = probe.seq;
    let done = vscode.commands.executeCommand('oidcFlow.removeIdp', oktaRef);
    let asked = await waitFor('the question before removing', () => messageAfter(since, question));
    assert.equal(asked.severity, 'warning');
    assert.deepEqual(
      asked.items,
      ['Remove', 'Remove and Delete Secret'],
      'an IdP with a stored secret is not offered to delete the secret',
    );
    asked.answer(undefined);
    await settled('Remove IdP (Escape)', done, since);
    assert.equal(await readText(oktaFile), before, 'Escape at the question changed the flow file');
    assert.ok(await idpNode(exported, oktaRef.idpId), 'Escape at the question took the IdP out of the view');
    assert.ok((await listedSecretKeys()).includes(OKTA_SECRET_KEY), 'Escape at the question deleted the secret');

    // Remove and Delete Secret.
    since = probe.seq;
    done = vscode.commands.executeCommand('oidcFlow.removeIdp', oktaRef);
    asked = await waitFor('the question before removing', () => messageAfter(since, question));
    asked.answer('Remove and Delete Secret');
    await settled('Remove IdP', done, since);
    assert.deepEqual(errorsAfter(since), []);
    const text = await readText(oktaFile);
    const idps = idpsOf(text);
    assert.equal(idps[OKTA_NAME], undefined, `${OKTA_NAME} is still in the flow file`);
    assert.deepEqual(idps['wf-generic'], idpsOf(before)['wf-generic'], 'removing one IdP changed the other');
    assert.match(text, /^# Secrets are never written here/, "removing an IdP dropped the file's comment");
    await waitFor(
      `${OKTA_NAME} to leave the Identity Providers view`,
      async () => (await idpNode(exported, oktaRef!.idpId)) === undefined,
    );
    assert.ok(
      (await exported.treeSnapshot(VIEWS.idps, 0)).some((n) => n.label === 'wf-generic'),
      'wf-generic left the view',
    );

    assert.ok(!(await listedSecretKeys()).includes(OKTA_SECRET_KEY), `Store Secret still lists ${OKTA_SECRET_KEY}`);
    assert.equal(
      await storedOktaSecret(),
      'missing',
      `${OKTA_SECRET_KEY} is still in the secret store after Remove and Delete Secret`,
    );
  });

  it("Edit IdP opens the flow file at the IdP; the person's edit, once saved, shows in the view", async function () {
    const exported = await api();
    assert.ok(genericRef && oktaFile, 'needs the IdP of the any-issuer test');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const since = probe.seq;
    await settled('Edit IdP', vscode.commands.executeCommand('oidcFlow.editIdp', genericRef), since);
    assert.deepEqual(errorsAfter(since), []);
    assert.deepEqual(
      probe.prompts.filter((p) => p.seq > since).map((p) => p.text),
      [],
      'Edit IdP with a tree item asked which IdP',
    );
    const editor = await waitFor(
      'the flow file in an editor',
      () =>
        vscode.window.activeTextEditor?.document.uri.toString() === oktaFile!.toString() &&
        vscode.window.activeTextEditor,
    );
    assert.match(
      editor.document.lineAt(editor.selection.active.line).text,
      /^\s+wf-generic:/,
      'the cursor is not on the IdP',
    );

    // The person points the IdP at another realm and saves.
    const line = Array.from({ length: editor.document.lineCount }, (_, i) => editor.document.lineAt(i)).find((l) =>
      l.text.includes('issuer: https://login.example.com/realms/main'),
    );
    assert.ok(line, 'the editor shows no issuer: https://login.example.com/realms/main');
    const start = line.text.indexOf('/realms/main') + '/realms/'.length;
    assert.ok(
      await editor.edit((b) =>
        b.replace(new vscode.Range(line.lineNumber, start, line.lineNumber, start + 'main'.length), 'staging'),
      ),
    );
    assert.ok(await editor.document.save(), 'the edited flow file was not saved');
    assert.equal(idpsOf(await readText(oktaFile))['wf-generic']?.issuer, 'https://login.example.com/realms/staging');
    await waitFor('the view to show the edited issuer', async () => {
      const node = await idpNode(exported, genericRef!.idpId);
      return (
        node?.children?.find((c) => c.label === 'Issuer')?.description === 'https://login.example.com/realms/staging'
      );
    });
  });

  it("Discover on the running sandbox's IdP, and on the flow file's sandbox IdP, shows the endpoints it published", async function () {
    const exported = await api();
    let since = probe.seq;
    await settled('Start Sandbox', vscode.commands.executeCommand('oidcFlow.startSandbox'), since, 90_000);
    const sandbox = exported.sandbox();
    assert.ok(sandbox.running && sandbox.idpIssuer, `the sandbox is not running: ${JSON.stringify(sandbox)}`);
    const issuer = sandbox.idpIssuer;
    const origin = new URL(issuer).origin;

    const builtIn = await waitFor('the sandbox IdP okta', async () =>
      (await exported.treeSnapshot(VIEWS.idps, 2)).find((n) => n.contextValue === 'idp.sandbox' && n.label === 'okta'),
    );
    assert.equal(builtIn.description, 'sandbox · not discovered');
    assert.equal(child(builtIn, 'Endpoints').description, 'run Discover');
    since = probe.seq;
    await settled(
      'Discover',
      vscode.commands.executeCommand('oidcFlow.discoverIdp', {
        kind: 'idp',
        sourceId: 'sandbox',
        name: 'okta',
        idpId: builtIn.id,
      }),
      since,
    );
    assert.deepEqual(errorsAfter(since), []);
    assert.ok(
      messageAfter(since, new RegExp(`^okta: discovery document read \\(${issuer.replace(/[.]/g, '\\.')}\\)\\.$`)),
      `no "discovery document read" notification: ${JSON.stringify(probe.messages.filter((m) => m.seq > since).map((m) => m.text))}`,
    );
    const discovered = (await exported.treeSnapshot(VIEWS.idps, 3)).find((n) => n.id === builtIn.id);
    assert.ok(discovered, 'the sandbox IdP left the view');
    assert.equal(discovered.description, 'sandbox · discovered');
    assert.equal(child(discovered, 'Issuer').description, issuer);
    const endpoints = child(discovered, 'Endpoints');
    const shown = Object.fromEntries((endpoints.children ?? []).map((e) => [e.label, e.description ?? '']));
    assert.equal(endpoints.description, String(Object.keys(shown).length));
    for (const name of ['token', 'introspection', 'revocation', 'jwks'])
      assert.ok(
        shown[name]?.startsWith(`${origin}/`),
        `the ${name} endpoint shows ${JSON.stringify(shown[name])}, not one of ${origin}: ${JSON.stringify(shown)}`,
      );

    // The flow file's sandbox IdP (Add IdP → Local sandbox) discovers the same server through its ${env:SANDBOX_*} values.
    assert.ok(sandboxPresetRef, 'needs the IdP of the Local sandbox test');
    since = probe.seq;
    await settled('Discover', vscode.commands.executeCommand('oidcFlow.discoverIdp', sandboxPresetRef), since);
    assert.deepEqual(errorsAfter(since), []);
    assert.deepEqual(
      probe.prompts.filter((p) => p.seq > since).map((p) => p.text),
      [],
      'Discover with a tree item asked something',
    );
    const fromFile = await idpNode(exported, sandboxPresetRef.idpId);
    assert.ok(fromFile, "the file's sandbox IdP left the view");
    assert.match(fromFile.description ?? '', / · discovered$/);
    assert.equal(child(fromFile, 'Issuer').description, issuer);
    assert.match(child(fromFile, 'Endpoints').description ?? '', /^[1-9]\d*$/);
  });

  it('Discover on an issuer nobody answers says so, naming its URL, without a stack trace', async function () {
    const exported = await api();
    const port = await closedPort();
    const issuer = `http://127.0.0.1:${port}/oauth2/default`;
    const file = vscode.Uri.joinPath(fixtureDir, 'unreachable.oidc-flow.yaml');
    await vscode.workspace.fs.writeFile(
      file,
      new TextEncoder().encode(
        `version: 1\nidps:\n  wf-unreachable:\n    issuer: ${issuer}\n    clientId: nobody-home\n    clientAuth: none\n`,
      ),
    );
    await vscode.commands.executeCommand('oidcFlow.refresh');
    const node = await waitFor('the IdP wf-unreachable', async () =>
      (await exported.treeSnapshot(VIEWS.idps, 0)).find((n) => n.label === 'wf-unreachable'),
    );

    const since = probe.seq;
    await settled(
      'Discover',
      vscode.commands.executeCommand('oidcFlow.discoverIdp', {
        kind: 'idp',
        sourceId: file.toString(),
        name: 'wf-unreachable',
        idpId: node.id,
      }),
      since,
    );
    const errors = errorsAfter(since);
    assert.equal(errors.length, 1, `expected one error notification, saw ${JSON.stringify(errors)}`);
    const [error] = errors as [string];
    assert.match(error, /^Discovery of wf-unreachable failed: /);
    assert.ok(error.includes(issuer), `the error does not name the issuer's URL: ${error}`);
    assert.match(error, /refused/i, `the error does not say the connection was refused: ${error}`);
    assert.doesNotMatch(
      error,
      /\n\s*at\s|\bat \S+ \(|\.js:\d+|Unexpected failure|\[object /,
      `the error reads like a stack trace or an internal failure: ${error}`,
    );

    const failed = await waitFor('the failed discovery in the view', async () => {
      const shown = await idpNode(exported, node.id);
      return shown?.description?.includes('discovery failed') && shown;
    });
    assert.match(failed.description ?? '', /discovery failed \(http\.connection_refused\)$/);
    assert.equal(child(failed, 'Discovery failed').description, 'http.connection_refused');
  });

  it('Add and Remove IdP keep the view, the editor and the disk in step while the flow file is open in an editor', async function () {
    const exported = await api();
    const file = vscode.Uri.joinPath(fixtureDir, 'open.oidc-flow.yaml');
    await vscode.workspace.fs.writeFile(
      file,
      new TextEncoder().encode(
        'version: 1\nidps:\n  wf-open-a:\n    issuer: https://a.example.com\n    clientId: a\n    clientAuth: none\n',
      ),
    );
    await vscode.commands.executeCommand('oidcFlow.refresh');
    const a = await waitFor('wf-open-a', async () =>
      (await exported.treeSnapshot(VIEWS.idps, 0)).find((n) => n.label === 'wf-open-a'),
    );
    await vscode.window.showTextDocument(file);
    const { result } = await drive<IdpRef | undefined>(
      'oidcFlow.addIdp',
      [],
      [
        [KIND, ANY_ISSUER],
        [ISSUER, 'https://b.example.com'],
        [NAME, 'wf-open-b'],
        [CLIENT_ID, 'b'],
        [CLIENT_AUTH, 'none'],
        [WHICH_FILE, vscode.workspace.asRelativePath(file)],
      ],
    );
    assert.ok(
      result?.name === 'wf-open-b',
      `Add IdP into a file open in an editor resolved with ${JSON.stringify(result)}`,
    );
    await waitFor('wf-open-b in the view', () => idpNode(exported, result.idpId), 10_000);
    const since = probe.seq;
    const done = vscode.commands.executeCommand('oidcFlow.removeIdp', {
      kind: 'idp',
      sourceId: file.toString(),
      name: 'wf-open-a',
      idpId: a.id,
    });
    (await waitFor('the question', () => messageAfter(since, /^Remove the IdP wf-open-a /))).answer('Remove');
    await settled('Remove IdP', done, since);
    await waitFor('wf-open-a to leave the view', async () => (await idpNode(exported, a.id)) === undefined, 10_000);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
    assert.ok(doc && !doc.isDirty && doc.getText() === (await readText(file)), 'the editor and the disk disagree');
    assert.deepEqual(Object.keys(idpsOf(await readText(file))), ['wf-open-b']);
  });
});
