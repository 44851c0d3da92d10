import { strict as assert } from 'node:assert';
import { isConfigurationCode } from '../../src/core/errors';
import type { ErrorCode } from '../../src/core/errors';

/** Which error codes are configuration errors: the CLI exits 2 for them, 1 for any other failure. */
describe('isConfigurationCode: which codes mean "fix the setup" (exit 2)', () => {
  for (const code of <ErrorCode[]>[
    'secret.missing',
    'secret.unavailable',
    'secret.malformed',
    'config.ca_file',
    'config.file_unreadable',
    'flowfile.reference',
    'flowfile.schema',
    'template.syntax',
    'client_auth.missing_secret',
    'flow.admin_unavailable',
  ]) {
    it(`${code} is a configuration error`, () => assert.equal(isConfigurationCode(code), true));
  }
  for (const code of <ErrorCode[]>[
    'oauth.invalid_client',
    'http.connection_refused',
    'tls.unknown_ca',
    'template.unresolved',
    'flow.stopped',
    'internal',
  ]) {
    it(`${code} is not`, () => assert.equal(isConfigurationCode(code), false));
  }
});
