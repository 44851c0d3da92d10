import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { readApacheConf } from '../../../src/core/gateway/apache-conf';
import { readDeckFile } from '../../../src/core/gateway/deck-file';
import { hostileText, mutationsOf, RUNS, valueOrOidcError } from '../../support/fuzz';

/**
 * Fuzzing the decK and Apache readers: random and mutated gateway
 * configurations read into a model or fail with an OidcError. Worst-case
 * shapes run under a generous timeout: a quadratic regression shows up as a
 * timeout, not as a timed assertion (timings live in bench/parse-scaling.ts).
 */

const read = (path: string): string => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
const DECK = [
  read('gateway/bearer-scopes.yaml'),
  read('gateway/introspection.yaml'),
  read('real/kong-deck/kong.yaml'),
  read('real/kong-go-database-reconciler/initial-ee-openid.yaml'),
  read('gateway/vault-refs.json'),
];
const APACHE = [
  read('apache/oidc-gateway.conf'),
  read('apache/oidc-gateway-jwt.conf'),
  read('real/mod-auth-openidc/openidc.conf'),
  read('real/openstack-keystone/apache_oidc.conf'),
];
const ENV = { OIDC_SECRET: 's3cret', HOST: 'api.example' };

describe('fuzz: decK and Apache readers', () => {
  it('random text reads or fails with an OidcError', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        valueOrOidcError(() => readDeckFile(text, 'kong.yaml'));
        valueOrOidcError(() => readApacheConf(text, 'httpd.conf', { env: ENV }));
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated real decK files read or fail with an OidcError', function () {
    this.timeout(30_000); // whole documents: a few ms each, more on a loaded machine
    fc.assert(
      fc.property(mutationsOf(...DECK), (text) => valueOrOidcError(() => readDeckFile(text, 'kong.yaml'))),
      { numRuns: RUNS / 3 },
    );
  });

  it('mutated real Apache configurations read or fail with an OidcError', function () {
    this.timeout(30_000); // whole documents: a few ms each, more on a loaded machine
    fc.assert(
      fc.property(mutationsOf(...APACHE), (text) =>
        valueOrOidcError(() => readApacheConf(text, 'httpd.conf', { env: ENV })),
      ),
      { numRuns: RUNS },
    );
  });

  it('worst-case shapes of 200k characters stay linear (a quadratic regression times out)', function () {
    this.timeout(30_000);
    const n = 200_000;
    for (const text of [
      `_format_version: "3.0"\nservices:\n${Array.from({ length: n / 50 }, (_, i) => `  - { name: s${i}, url: "http://x/${i}" }`).join('\n')}\n`,
      `_format_version: "3.0"\nservices: ${'['.repeat(n / 4)}${']'.repeat(n / 4)}\n`,
      `_format_version: "3.0"\nconsumers: &a [${'*a, '.repeat(n / 4)}]\n`,
      `_format_version: "3.0"\nservices:\n  - name: s\n    url: "http://x/${'{vault://env/a}'.repeat(n / 16)}"\n`,
    ])
      valueOrOidcError(() => readDeckFile(text, 'kong.yaml'));
    for (const text of [
      '<Location />\n'.repeat(n / 13),
      `${'</Location>\n'.repeat(n / 12)}`,
      `Define A ${'${A}'.repeat(n / 4)}\nOIDCProviderIssuer \${A}\n`,
      `OIDCProviderIssuer ${'"'.repeat(n)}\n`,
      `OIDCProviderIssuer ${'\\\n'.repeat(n / 2)}x\n`,
      `${Array.from({ length: n / 20 }, (_, i) => `Define V${i} \${V${i === 0 ? 0 : i - 1}}`).join('\n')}\n`,
      `<VirtualHost *:443>\n${'<Location /a>\nAuthType openid-connect\nRequire valid-user\n</Location>\n'.repeat(1_000)}</VirtualHost>\n`,
    ])
      valueOrOidcError(() => readApacheConf(text, 'httpd.conf', { env: ENV }));
  });
});
