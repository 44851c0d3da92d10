import { strict as assert } from 'node:assert';
import {
  findSecretRefs,
  interpolateSecretRefs,
  isSecretRef,
  parseSecretRef,
  resolveSecretRef,
} from '../../../src/core/flow';
import { escapeSecretRefs } from '../../../src/core/flow/secret-ref';
import { findLiteralSecrets } from '../../../src/core/flow/literal-secrets';
import { thrown } from '../../support/rejection';

describe('secret references', () => {
  it('an escaped reference is text: not found, not resolved, and a literal where a secret belongs', () => {
    const escaped = escapeSecretRefs('x ${env:AWS_SECRET_ACCESS_KEY} ${secret:k}');
    assert.equal(escaped, 'x \\${env:AWS_SECRET_ACCESS_KEY} \\${secret:k}');
    assert.equal(escapeSecretRefs(escaped), escaped, 'escaping twice changes nothing');
    assert.deepEqual(findSecretRefs({ a: escaped }), []);
    assert.equal(
      interpolateSecretRefs(escaped, { env: { AWS_SECRET_ACCESS_KEY: 'no' } }),
      'x ${env:AWS_SECRET_ACCESS_KEY} ${secret:k}',
    );
    const problems = findLiteralSecrets({ idps: { okta: { clientSecret: '\\${env:OKTA_CLIENT_SECRET}' } } });
    assert.equal(problems.length, 1);
  });

  // literalPart and the URL and JWT patterns skip values that cannot match (no brace, no "@",
  // "=" or "eyJ"): these are the values each shortcut must still reach.
  it('finds credentials in plain values, and in the text around templates and references', () => {
    const jwt = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.';
    const problems = findLiteralSecrets({
      routes: {
        plain: { baseUrl: 'https://bob:pw@api.example.com' },
        templated: { baseUrl: 'https://bob:pw@{{env.host}}' },
      },
      flows: {
        f: {
          steps: [
            { id: 'a', type: 'call', route: 'plain', path: '/x?access_token=abc' },
            { id: 'b', type: 'call', route: 'plain', path: '/x?q={{env.q}}&password=hunter2' },
            { id: 'c', type: 'call', route: 'plain', path: '/x', query: { t: jwt, u: `\${env:A} ${jwt}` } },
            { id: 'd', type: 'call', route: 'plain', path: '/x?access_token={{env.t}}', query: { v: 'a=b@c' } },
          ],
        },
      },
    }).map((p) => `${p.path.join('.')}: ${p.message.replace(/^\S+ /, '')}`);
    assert.deepEqual(problems, [
      'routes.plain.baseUrl: has a user name and password in the URL.',
      'routes.templated.baseUrl: has a user name and password in the URL.',
      'flows.f.steps.0.path: has a literal access_token in the URL query.',
      'flows.f.steps.1.path: has a literal password in the URL query.',
      'flows.f.steps.2.query.t: holds what looks like a JWT; tokens are never written in the flow file.',
      'flows.f.steps.2.query.u: holds what looks like a JWT; tokens are never written in the flow file.',
    ]);
  });

  it('parses whole references only', () => {
    assert.deepEqual(parseSecretRef('${env:OKTA_CLIENT_SECRET}'), {
      kind: 'env',
      name: 'OKTA_CLIENT_SECRET',
      text: '${env:OKTA_CLIENT_SECRET}',
    });
    assert.deepEqual(parseSecretRef('${secret:okta/client-secret}')?.name, 'okta/client-secret');
    assert.equal(parseSecretRef('x ${env:A}'), undefined);
    assert.equal(parseSecretRef('${vault:A}'), undefined);
    assert.equal(isSecretRef('${env:A}'), true);
    assert.equal(isSecretRef('$A'), false);
  });

  it('resolves from the environment and the secret store', () => {
    const sources = { env: { A: 'from-env' }, secrets: { k: 'from-store' } };
    assert.equal(resolveSecretRef('${env:A}', sources), 'from-env');
    assert.equal(resolveSecretRef('${secret:k}', sources), 'from-store');
    assert.equal(resolveSecretRef('${secret:k}', { secrets: (key) => (key === 'k' ? 'fn' : undefined) }), 'fn');
  });

  it('names the missing variable, never a value', () => {
    const error = thrown(() =>
      resolveSecretRef('${env:OKTA_CLIENT_SECRET}', { env: { OTHER: 'x' } }, 'idps.okta.clientSecret'),
    );
    assert.equal(error.code, 'secret.missing');
    assert.match(
      error.message,
      /The environment variable OKTA_CLIENT_SECRET is not set \(referenced as \$\{env:OKTA_CLIENT_SECRET\} in idps\.okta\.clientSecret\)/,
    );
    assert.match(error.hint ?? '', /export OKTA_CLIENT_SECRET=/);
    assert.match(thrown(() => resolveSecretRef('${env:E}', { env: { E: '' } })).message, /is empty/);
  });

  it('explains when the secret store is missing or lacks the key', () => {
    const unavailable = thrown(() => resolveSecretRef('${secret:okta}', { env: {} }));
    assert.equal(unavailable.code, 'secret.unavailable');
    assert.match(unavailable.hint ?? '', /\$\{env:NAME\}/);
    const missing = thrown(() => resolveSecretRef('${secret:okta}', { secrets: {} }));
    assert.equal(missing.code, 'secret.missing');
    assert.match(missing.message, /key 'okta'/);
    assert.equal(thrown(() => resolveSecretRef('plain', {})).code, 'secret.malformed');
  });

  it('finds and interpolates references inside values', () => {
    assert.deepEqual(
      findSecretRefs({ a: 'https://${env:DOMAIN}/x', b: ['${secret:k}', '${env:DOMAIN}'] }).map((r) => r.text),
      ['${env:DOMAIN}', '${secret:k}'],
    );
    assert.equal(
      interpolateSecretRefs('https://${env:DOMAIN}/oauth2/default', { env: { DOMAIN: 'dev.okta.com' } }),
      'https://dev.okta.com/oauth2/default',
    );
  });
});
