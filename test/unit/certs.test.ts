import { strict as assert } from 'node:assert';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { request } from 'node:https';
import { createSecureContext } from 'node:tls';
import fc from 'fast-check';
import forge from 'node-forge';
import { createCertificateAuthority, serialNumber } from '../../src/core/sandbox/certs';

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

describe('sandbox certificate serials', () => {
  it('are 16 bytes starting 0x40-0x7f for any random bytes, so DER neither pads nor drops a byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (random) => {
        const serial = serialNumber(Buffer.from(random));
        assert.match(serial, /^[4-7][0-9a-f]{31}$/);
        assert.equal(serial.slice(2), Buffer.from(random).toString('hex').slice(2));
      }),
    );
  });

  it('load in OpenSSL when the random bytes start 00 00, which node-forge wrote with illegal padding', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forgeKey = forge.pki.privateKeyFromPem(key) as forge.pki.rsa.PrivateKey;
    const certificateWith = (serial: string): string => {
      const cert = forge.pki.createCertificate();
      cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
      cert.serialNumber = serial;
      cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
      cert.setIssuer([{ name: 'commonName', value: 'localhost' }]);
      cert.sign(forgeKey, forge.md.sha256.create());
      return forge.pki.certificateToPem(cert);
    };
    const random = Buffer.from('00003f3f3f3f3f3f3f3f3f3f3f3f3f3f', 'hex');
    // The old serial (high bit cleared only) shows the failure this guards against.
    const old = Buffer.from(random);
    old[0] = old[0]! & 0x7f;
    assert.throws(() => createSecureContext({ cert: certificateWith(old.toString('hex')), key }), /illegal padding/);
    const cert = certificateWith(serialNumber(random));
    createSecureContext({ cert, key });
    assert.equal(new X509Certificate(cert).serialNumber.length, 32);
  });
});
