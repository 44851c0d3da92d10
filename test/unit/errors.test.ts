import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { ErrorCode } from '../../src/core/errors';
import { asOidcError, isConfigurationCode, OidcError } from '../../src/core/errors';
import { HttpError } from '../../src/core/http';
import { serverErrorCode } from '../../src/core/oauth/oauth-error';
import { tokenExchange } from '../support/exchange-fixture';
import { tsFiles } from '../support/source-files';

/**
 * What this file proves: error codes are a closed vocabulary. A misspelt code
 * does not compile (the @ts-expect-error lines fail `npm run typecheck` the
 * day they stop being errors), every code an area declares is raised
 * somewhere, and a server's own error names still become codes.
 */

describe('error codes', () => {
  it('refuse a misspelt code at compile time', () => {
    // @ts-expect-error: 'oauth.state_mismach' is not an ErrorCode.
    const misspelt = new OidcError('oauth.state_mismach', 'x');
    // @ts-expect-error: an area prefix alone is no code.
    const open: ErrorCode = 'oauth.anything';
    // @ts-expect-error: HttpError takes only HTTP and TLS codes.
    const wrongArea = new HttpError('jwt.expired', 'x', tokenExchange());
    // @ts-expect-error: asOidcError's fallback code is typed too.
    const fallback = asOidcError(new Error('x'), 'internal.bug');
    assert.ok(misspelt && open && wrongArea && fallback);
  });

  it('accept the codes of every area, and registered OAuth errors as literals', () => {
    const codes: ErrorCode[] = [
      'http.timeout.connect',
      'tls.unknown_ca',
      'oauth.state_mismatch',
      'oauth.invalid_grant',
      'introspection.missing_endpoint',
      'gateway.konnect_not_found',
      'jwt.malformed.json',
      'flowfile.schema',
      'config.ca_file',
      'internal',
    ];
    assert.equal(codes.length, 10);
  });

  it('turn a server-chosen error name into a code-safe oauth. or okta. code', () => {
    assert.equal(serverErrorCode('oauth', 'invalid_grant'), 'oauth.invalid_grant');
    assert.equal(serverErrorCode('oauth', 'weird error!'), 'oauth.weird_error_');
    assert.equal(serverErrorCode('oauth', ''), 'oauth.unknown');
    assert.equal(serverErrorCode('okta', 'E0000011'), 'okta.E0000011');
  });

  it('tell configuration codes (exit 2 in the CLI) from the rest', () => {
    assert.equal(isConfigurationCode('config.file_unreadable'), true);
    assert.equal(isConfigurationCode('flowfile.schema'), true);
    assert.equal(isConfigurationCode('http.dns'), false);
    assert.equal(isConfigurationCode('secret.missing'), true);
  });

  // A best-effort text check, not types: a declared code that no line outside the unions names,
  // other than by comparing against it, is a code nothing raises, and goes.
  it('declare only codes that something raises', () => {
    const unions = tsFiles('src/core').filter((file) => /(^|\/)(error-codes|errors)\.ts$/.test(file));
    const declared = new Set(
      unions.flatMap((file) => {
        const code = readFileSync(file, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\/\/.*$/gm, '');
        return [...code.matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)].map((m) => m[1]!);
      }),
    );
    assert.ok(declared.size > 100, `found only ${declared.size} declared codes`);
    const lines = [...tsFiles('src'), ...tsFiles('test/support')]
      .filter((file) => !unions.includes(file))
      .flatMap((file) => readFileSync(file, 'utf8').split('\n'));
    const raised = (code: string): boolean =>
      lines.some(
        (line) => line.includes(`'${code}'`) && !new RegExp(`(===|!==)\\s*'${code}'|case\\s+'${code}'`).test(line),
      );
    assert.deepEqual(
      [...declared].filter((code) => !raised(code)),
      [],
    );
  });
});
