import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { shellQuote, toCurl } from '../../../src/core/http';
import { tokenExchange } from '../../support/exchange-fixture';

/** The argv a POSIX shell hands to curl for `command` (curl replaced by a function that prints its arguments). */
function argvOf(command: string): string[] {
  const script = `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${command}\n`;
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('toCurl', () => {
  it('builds a redacted command with headers and --data-raw', () => {
    const command = toCurl(tokenExchange());
    assert.deepEqual(argvOf(command), [
      'https://idp.example.com/oauth2/default/v1/token',
      '--header',
      'content-type: application/x-www-form-urlencoded',
      '--header',
      'authorization: Basic [redacted 20 chars]',
      '--header',
      'accept: application/json',
      '--data-raw',
      'grant_type=client_credentials&scope=api%3Aread&client_assertion=[redacted 32 chars]',
    ]);
    assert.ok(command.startsWith('curl '));
  });

  it('reveals secrets only when asked', () => {
    const argv = argvOf(toCurl(tokenExchange(), { reveal: true }));
    assert.ok(argv.includes('authorization: Basic Y2xpZW50OnNlY3JldA=='));
  });

  it('adds --insecure when TLS verification was disabled, and placeholders for CA and client certificate', () => {
    const argv = argvOf(
      toCurl(
        tokenExchange({
          transport: { insecure: true, customCa: true, clientCertificate: true, proxy: 'http://proxy.test:3128' },
        }),
      ),
    );
    assert.ok(argv.includes('--insecure'));
    assert.deepEqual(argv.slice(argv.indexOf('--cacert'), argv.indexOf('--cacert') + 2), ['--cacert', 'ca.pem']);
    assert.ok(argv.includes('--cert') && argv.includes('--key'));
    assert.deepEqual(argv.slice(-2), ['--proxy', 'http://proxy.test:3128']);
    assert.ok(!argvOf(toCurl(tokenExchange())).includes('--insecure'));
  });

  it('uses --request for methods other than GET/POST, --head for HEAD, and --globoff for masked URLs', () => {
    const base = tokenExchange();
    const del = argvOf(
      toCurl({ ...base, request: { method: 'DELETE', url: 'https://x.test/a', headers: [], bodySize: 0 } }),
    );
    assert.deepEqual(del, ['--request', 'DELETE', 'https://x.test/a']);
    const head = argvOf(
      toCurl({ ...base, request: { method: 'HEAD', url: 'https://x.test/a', headers: [], bodySize: 0 } }),
    );
    assert.deepEqual(head, ['--head', 'https://x.test/a']);
    const get = argvOf(
      toCurl({ ...base, request: { method: 'GET', url: 'https://x.test/cb?code=abc', headers: [], bodySize: 0 } }),
    );
    assert.deepEqual(get, ['--globoff', 'https://x.test/cb?code=[redacted 3 chars]']);
  });

  it('quotes any text so the shell passes it through unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((text) => !text.includes('\0')),
        (text) => {
          assert.deepEqual(argvOf(`curl ${shellQuote(text)}`), [text]);
        },
      ),
      { numRuns: 40 },
    );
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    const tricky = `{"a":"it's $HOME \`id\` \\n"}\nline2`;
    const argv = argvOf(
      toCurl({
        ...tokenExchange(),
        request: { method: 'POST', url: 'https://x.test/', headers: [], body: tricky, bodySize: tricky.length },
      }),
    );
    assert.deepEqual(argv, ['https://x.test/', '--data-raw', tricky]);
  });
});
