import { strict as assert } from 'node:assert';
import { isConfigurationError } from '../../src/core/configuration-errors';

/** Which error codes are configuration errors: the CLI exits 2 for them, 1 for any other failure. */
describe('isConfigurationError: which codes mean "fix the setup" (exit 2)', () => {
  for (const code of ['secret.missing', 'secret.unavailable', 'secret.malformed', 'config.ca_file', 'config.file_unreadable', 'flowfile.reference', 'flowfile.schema', 'template.syntax', 'client_auth.missing_secret', 'flow.admin_unavailable']) {
    it(`${code} is a configuration error`, () => assert.equal(isConfigurationError(code), true));
  }
  for (const code of ['oauth.invalid_client', 'http.connection_refused', 'tls.unknown_ca', 'template.unresolved', 'flow.stopped', 'internal', 'secretive.thing']) {
    it(`${code} is not`, () => assert.equal(isConfigurationError(code), false));
  }
});
