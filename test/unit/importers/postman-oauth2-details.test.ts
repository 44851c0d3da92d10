import { strict as assert } from 'node:assert';
import { importPostman } from '../../../src/core/importers';
import { withHttpScheme } from '../../../src/core/importers/read-helpers';
import { assertLoads, assertNoLeak, postman, step } from './helpers';

/** Postman OAuth 2.0 settings as Postman itself reads them (issue #12, point 6). */

const oauth2 = (entries: Array<{ key: string; value: unknown }>) => ({
  type: 'oauth2',
  oauth2: [
    { key: 'grant_type', value: 'client_credentials' },
    { key: 'accessTokenUrl', value: 'https://login.example.org/oauth2/token' },
    { key: 'clientId', value: 'svc' },
    ...entries,
  ],
});
const collection = (auth: unknown, url = 'https://api.example.org/orders') =>
  postman({ item: [{ name: 'Orders', request: { method: 'GET', url, auth } }] });

describe('importers: Postman OAuth 2.0 details', () => {
  it('carries audience and resource given in their object form', () => {
    const result = importPostman(
      collection(
        oauth2([
          { key: 'audience', value: { 'a1b2c3d4-token': 'https://api.example.org' } },
          { key: 'resource', value: { 'e5f6a7b8-token': 'https://orders.example.org/' } },
        ]),
      ),
      { fileName: 'c.json' },
    );
    assertLoads(result);
    const token = step(result, 'token-example', 'token');
    assert.equal(token.audience, 'https://api.example.org');
    assert.equal(token.resource, 'https://orders.example.org/');
    assert.deepEqual(result.notCarried, []);
  });

  it('lists the object-form values it cannot send (a second audience, a resource that is not text) as not carried', () => {
    const result = importPostman(
      collection(
        oauth2([
          { key: 'audience', value: { auth: 'https://one.example.org', token: 'https://two.example.org' } },
          { key: 'resource', value: { token: { nested: true } } },
        ]),
      ),
      { fileName: 'c.json' },
    );
    assertLoads(result);
    assert.equal(step(result, 'token-example', 'token').audience, 'https://one.example.org');
    assert.ok(
      result.notCarried.some(
        (n) => n.item === 'request "Orders" > auth.audience (other values)' && /sends one value/.test(n.reason),
      ),
      JSON.stringify(result.notCarried),
    );
    assert.equal(step(result, 'token-example', 'token').resource, undefined);
    assert.ok(result.notCarried.some((n) => n.item === 'request "Orders" > auth.resource (other values)'));
  });

  it('gives scheme-less URLs http://, as Postman sends them', () => {
    const result = importPostman(
      collection(oauth2([{ key: 'accessTokenUrl', value: 'localhost:3000/oauth/token' }]), 'localhost:8000/orders?x=1'),
      { fileName: 'c.json' },
    );
    assertLoads(result);
    const idp = Object.values(result.file.idps ?? {})[0];
    assert.equal(idp?.endpoints?.token, 'http://localhost:3000/oauth/token');
    const call = step(result, 'orders', 'call');
    assert.equal(result.file.routes?.[call.route]?.baseUrl, 'http://localhost:8000');
    assert.equal(call.path, '/orders');
  });

  it('adds the scheme only where a host starts the URL', () => {
    assert.equal(withHttpScheme('[::1]:8080/x'), 'http://[::1]:8080/x');
    assert.equal(withHttpScheme('api.example.org/x'), 'http://api.example.org/x');
    for (const kept of ['https://a.example/x', '{{base}}/x', '/relative', '', 'HTTP://A.example'])
      assert.equal(withHttpScheme(kept), kept);
  });

  it('does not make a password that equals the client secret the same variable', () => {
    const same = 'Same-Literal-Value-2468';
    const result = importPostman(
      collection(
        oauth2([
          { key: 'grant_type', value: 'password_credentials' },
          { key: 'clientSecret', value: same },
          { key: 'username', value: 'dana' },
          { key: 'password', value: same },
        ]),
      ),
      { fileName: 'c.json' },
    );
    assertLoads(result);
    const token = step(result, 'token-example', 'token');
    const idp = result.file.idps?.[token.idp];
    assert.equal(idp?.clientSecret, '${env:EXAMPLE_CLIENT_SECRET}');
    assert.equal(token.password, '${env:EXAMPLE_PASSWORD}');
    assert.deepEqual(result.secrets.map((s) => s.name).sort(), ['EXAMPLE_CLIENT_SECRET', 'EXAMPLE_PASSWORD']);
    assertNoLeak(result, [same]);
  });
});
