import assert from 'node:assert/strict';
import { checkFlowFile } from '../../../src/core/flow/load';
import {
  cleanOktaDomain,
  formatOf,
  freeName,
  newFlowFileText,
  oktaIdp,
  removeIdpFromText,
  sandboxIdp,
  setIdpInText,
} from '../../../src/extension/workspace/flow-file-edit';

const okta = oktaIdp({
  domain: 'dev-123456.okta.com',
  authorizationServerId: 'default',
  clientId: '0oa1',
  clientAuth: 'client_secret_basic',
  secretKey: 'okta.clientSecret',
  scopes: ['orders:read'],
});

describe('flow file edits (Add IdP)', () => {
  it('writes a new flow file that loads, with the client secret only as a reference', () => {
    const text = newFlowFileText('yaml', 'okta', okta);
    const check = checkFlowFile(text, { fileName: 'oidc-flow.yaml' });
    assert.deepEqual(
      check.issues.filter((i) => i.severity === 'error'),
      [],
    );
    assert.equal(check.file!.idps!.okta!.clientSecret, '${secret:okta.clientSecret}');
    assert.deepEqual(check.file!.idps!.okta!.okta, { domain: 'dev-123456.okta.com', authorizationServerId: 'default' });
    const json = newFlowFileText('json', 'okta', okta);
    assert.deepEqual(
      checkFlowFile(json, { fileName: 'x.oidc-flow.json' }).issues.filter((i) => i.severity === 'error'),
      [],
    );
  });

  it('adds an IdP to YAML without losing comments, and removes it again', () => {
    const original = '# my flows\nversion: 1\n# the IdPs\nidps:\n  other: { issuer: "https://x" } # keep me\n';
    const added = setIdpInText(original, 'yaml', 'okta', okta);
    assert.match(added, /# my flows/);
    assert.match(added, /# keep me/);
    assert.equal(checkFlowFile(added, { fileName: 'a.oidc-flow.yaml' }).file!.idps!.okta!.clientId, '0oa1');
    const removed = removeIdpFromText(added, 'yaml', 'okta');
    assert.deepEqual(Object.keys(checkFlowFile(removed, { fileName: 'a.oidc-flow.yaml' }).file!.idps!), ['other']);
    assert.match(removed, /# keep me/);
  });

  it('edits JSON files and refuses YAML it cannot parse', () => {
    const json = setIdpInText('{"version":1}', 'json', 'sandbox', sandboxIdp());
    assert.deepEqual(
      checkFlowFile(json, { fileName: 'a.oidc-flow.json' }).issues.filter((i) => i.severity === 'error'),
      [],
    );
    assert.throws(() => setIdpInText('idps: [unclosed', 'yaml', 'x', okta));
  });

  it('cleans what people paste and picks free names', () => {
    assert.equal(cleanOktaDomain(' https://dev-1.okta.com/oauth2/default '), 'dev-1.okta.com');
    assert.equal(freeName('okta', ['okta', 'okta-2']), 'okta-3');
    assert.equal(freeName('okta', []), 'okta');
    assert.equal(formatOf('/w/a.oidc-flow.json'), 'json');
    assert.equal(formatOf('/w/oidc-flow.yaml'), 'yaml');
  });
});
