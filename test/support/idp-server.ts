/** A minimal IdP for the lint tests: only a discovery document, under /oauth2/default. */
import type { Running } from './loopback-servers';
import { httpServer } from './loopback-servers';

/** Starts the IdP on 127.0.0.1 (port 0); `hits` counts discovery requests. */
export async function startIdp(): Promise<Running & { issuer: string; hits: () => number }> {
  let hits = 0;
  let issuer = '';
  const server = await httpServer((req, res) => {
    if (req.url === '/oauth2/default/.well-known/openid-configuration') {
      hits += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/v1/authorize`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint: `${issuer}/v1/token`,
          jwks_uri: `${issuer}/v1/keys`,
          introspection_endpoint: `${issuer}/v1/introspect`,
          introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
        }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  issuer = `${server.url}/oauth2/default`;
  return { ...server, issuer, hits: () => hits };
}
