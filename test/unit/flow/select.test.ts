import { strict as assert } from 'node:assert';
import { getFlow, idpIssuer, selectEnvironment } from '../../../src/core/flow';
import type { FlowFile } from '../../../src/core/flow';
import { OidcError } from '../../../src/core/errors';

const file: FlowFile = {
  version: 1,
  environments: { local: { a: 1 }, default: { a: 2 }, prod: { a: 3 } },
  flows: { smoke: { steps: [] }, pinned: { env: 'prod', steps: [] } },
};

describe('selecting environments and flows', () => {
  it('picks the requested, then the flow’s, then defaultEnvironment, then `default`, then the first environment', () => {
    assert.equal(selectEnvironment(file, 'local')?.name, 'local');
    assert.equal(selectEnvironment(file, undefined, 'pinned')?.name, 'prod');
    assert.equal(selectEnvironment({ ...file, defaultEnvironment: 'local' })?.name, 'local');
    assert.equal(selectEnvironment(file)?.name, 'default');
    assert.equal(selectEnvironment({ version: 1, environments: { x: {}, y: {} } })?.name, 'x');
    assert.equal(selectEnvironment({ version: 1 }), undefined);
  });

  it('names the environments and flows that exist when one is missing', () => {
    assert.throws(
      () => selectEnvironment(file, 'prd'),
      (e: unknown) =>
        e instanceof OidcError && e.code === 'flowfile.reference' && /did you mean 'prod'/.test(e.message),
    );
    assert.throws(
      () => getFlow(file, 'smok'),
      (e: unknown) =>
        e instanceof OidcError &&
        e.code === 'flowfile.reference' &&
        /did you mean 'smoke'/.test(e.message) &&
        /smoke, pinned/.test(e.hint ?? ''),
    );
    assert.equal(getFlow(file, 'smoke').steps.length, 0);
  });

  it('derives the issuer of the okta preset', () => {
    assert.equal(idpIssuer({ okta: { domain: 'dev-1.okta.com' } }), 'https://dev-1.okta.com/oauth2/default');
    assert.equal(
      idpIssuer({ okta: { domain: 'dev-1.okta.com', authorizationServerId: 'aus123' } }),
      'https://dev-1.okta.com/oauth2/aus123',
    );
    assert.equal(
      idpIssuer({ okta: { domain: 'dev-1.okta.com', authorizationServerId: 'org' } }),
      'https://dev-1.okta.com',
    );
    assert.equal(idpIssuer({ issuer: 'https://idp.example/' }), 'https://idp.example');
    assert.equal(idpIssuer({ endpoints: { token: 'https://t' } }), undefined);
  });
});
