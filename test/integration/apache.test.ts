import { startSandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import { describeApacheRevokeScenario } from '../support/apache-scenario';

/**
 * A real gateway: Apache httpd with mod_auth_openidc introspecting every
 * request at the real IdP over https, in front of the echo upstream.
 */
describeApacheRevokeScenario('real gateway: Apache mod_auth_openidc in front of the real IdP', 'the sandbox IdP', {
  unavailable: () => undefined,
  start: async () => {
    const idp = await startSandboxIdp();
    return {
      issuer: idp.issuer,
      caPem: idp.caPem,
      introspectionEndpoint: `${idp.issuer}/v1/introspect`,
      app: { clientId: 'cc-basic', clientSecret: idp.clients['cc-basic'].clientSecret! },
      gateway: { clientId: idp.clients.gateway.clientId, clientSecret: idp.clients.gateway.clientSecret! },
      close: () => idp.close(),
    };
  },
});
