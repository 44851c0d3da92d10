import { strict as assert } from 'node:assert';
import type { OidcError } from '../../../src/core/errors';
import { discover } from '../../../src/core/oauth/discovery';
import { FakeHttp } from '../../support/fake-http';

const URL_ = 'https://dev-1.okta.com/oauth2/default/.well-known/openid-configuration';

async function failure(body: string, contentType: string): Promise<OidcError> {
  const http = new FakeHttp().on(/.*/, { status: 200, headers: { 'content-type': contentType }, body });
  return discover(http, URL_).then(
    () => assert.fail('expected discovery to fail'),
    (error: unknown) => error as OidcError,
  );
}

describe('discovery: a body labelled JSON that does not parse', () => {
  it("says the body is not valid JSON although labelled application/json, with the parser's reason", async () => {
    const e = await failure(
      '{"issuer": "https://dev-1.okta.com",\n "token_endpoint": x}',
      'application/json; charset=utf-8',
    );
    assert.equal(e.code, 'discovery.not_json');
    assert.equal(
      e.message,
      `Discovery at ${URL_} answered HTTP 200 with a body that is not valid JSON, although it is labelled application/json: unexpected token 'x'.`,
    );
    assert.doesNotMatch(e.message, /with application\/json, not JSON/);
    assert.match(e.hint ?? '', /broken JSON/);
    const literal = await failure('{"claims_parameter_supported": tru}', 'application/json');
    assert.match(literal.message, /labelled application\/json: unexpected token '\}'\.$/);
  });

  it('takes the position from the parser when it gives one (trailing comma, cut-off document)', async () => {
    const comma = await failure('{"issuer": "x",}', 'application/json');
    assert.match(
      comma.message,
      /labelled application\/json: expected double-quoted property name at line 1, column 16 \(character 16\)\.$/,
    );
    const cut = await failure('{"issuer": "x"', 'application/json');
    assert.match(cut.message, /labelled application\/json: .* at line 1, column 15 \(character 15\)\.$/);
  });

  it('an HTML page labelled JSON keeps the hint about login pages; a text/html page keeps its message', async () => {
    const labelled = await failure('<html><title>Sign in</title></html>', 'application/json');
    assert.match(labelled.message, /labelled application\/json: unexpected token '<'/);
    assert.match(labelled.hint ?? '', /An HTML page usually means a wrong issuer path/);
    const html = await failure('<html></html>', 'text/html');
    assert.equal(html.message, `Discovery at ${URL_} answered HTTP 200 with text/html, not JSON.`);
  });
});
