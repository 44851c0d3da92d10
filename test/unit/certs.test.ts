import { strict as assert } from 'node:assert';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { request } from 'node:https';
import { createCertificateAuthority } from '../../src/core/sandbox/certs';

function get(port: number, ca: string, servername = 'localhost'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, servername, ca, path: '/', headers: { host: servername } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('sandbox certificates', () => {
  it('issues a server certificate that Node trusts with the CA and rejects without it', async () => {
    const ca = createCertificateAuthority();
    const leaf = ca.issue({ commonName: 'localhost', ipAddresses: ['127.0.0.1'] });
    const server = createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      assert.equal(await get(port, ca.cert), 200);
      const other = createCertificateAuthority('Other CA');
      await assert.rejects(get(port, other.cert), /self-signed|unable to verify|unable to get local issuer/i);
    } finally {
      server.close();
    }
  });
});
