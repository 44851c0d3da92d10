import assert from 'node:assert/strict';
import { redactLogText } from '../../../src/core/http/redact-log';
import { createNonce, resultsCsp, resultsHtml } from '../../../src/extension/results/webview-html';

describe('results webview HTML', () => {
  const html = resultsHtml({
    cspSource: 'https://file+.vscode-resource.test',
    nonce: 'abc123==',
    scriptUri: 'https://x/dist/webview.js',
    styleUri: 'https://x/media/results.css',
  });

  it('has a strict CSP: no default source, the script only by nonce, styles only from the extension', () => {
    const csp = resultsCsp('https://file+.vscode-resource.test', 'abc123==');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc123=='/);
    assert.match(csp, /style-src https:\/\/file\+\.vscode-resource\.test(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.ok(html.includes('http-equiv="Content-Security-Policy"'));
  });

  it('loads one script, with the nonce, and has no inline script or style', () => {
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]![1]!, /nonce="abc123=="/);
    assert.match(scripts[0]![1]!, /src="https:\/\/x\/dist\/webview\.js"/);
    assert.equal(scripts[0]![2], '');
    assert.doesNotMatch(html, /<style|\sstyle="|\son\w+="/);
  });

  it('uses a fresh random nonce each time', () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    assert.equal(nonces.size, 50);
    for (const n of nonces) assert.ok(Buffer.from(n, 'base64').length >= 16);
  });
});

describe('log redaction (core/http/redact-log, for the output channel and gateway logs alike)', () => {
  it('masks JWTs, Authorization credentials and listed secrets', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const line = redactLogText(
      `got ${jwt}; sent Bearer opaque-token-abcdef and Basic Y2xpZW50OnNlY3JldA==; secret=hunter2-secret`,
      ['hunter2-secret'],
    );
    assert.doesNotMatch(line, /eyJhbGci|opaque-token-abcdef|Y2xpZW50OnNlY3JldA|hunter2-secret/);
    assert.match(line, /Bearer \[redacted \d+ chars\]/);
    assert.match(line, /Basic \[redacted \d+ chars\]/);
  });

  it('masks a JWE, whose second part is not a JSON payload', () => {
    const jwe =
      'eyJhbGciOiJSU0EtT0FFUCJ9.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZ.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ';
    assert.equal(redactLogText(`got ${jwe}`), `got [redacted ${jwe.length} chars]`);
  });

  it('reads a long run of "-eyJ" once (the old pattern rescanned it from every "eyJ": 17 s for 80 KB)', () => {
    for (const line of ['-eyJ'.repeat(20_000), 'eyJ'.repeat(20_000)]) assert.equal(redactLogText(line), line);
  });

  it('leaves ordinary lines alone', () => {
    assert.equal(redactLogText('  call-ok call: passed (HTTP 200)'), '  call-ok call: passed (HTTP 200)');
  });
});
