import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback token endpoint that issues a new opaque token every time, so
 * each flow run brings new token state (and a new secret to mask).
 */
export async function startOpaqueTokenIdp(): Promise<{ tokenUrl: string; close(): void }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ access_token: randomBytes(24).toString('base64url'), token_type: 'Bearer', expires_in: 3600 }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    close: () => server.close(),
  };
}
