import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/**
 * Makes a private CA and certificates signed by it, in memory, so the local
 * sandbox and the tests serve real https without openssl on the machine.
 * Keys come from node:crypto (fast); node-forge only builds and signs the
 * certificates.
 */

const DAY = 24 * 60 * 60 * 1000;

export interface PemPair {
  cert: string;
  key: string;
}

export interface CertificateAuthority extends PemPair {
  /** Issues a certificate signed by this CA. */
  issue(options: IssueOptions): PemPair;
}

export interface IssueOptions {
  commonName: string;
  /** DNS names for the subjectAltName; defaults to [commonName] when it is not an IP. */
  dnsNames?: string[];
  ipAddresses?: string[];
  /** 'server' (default) or 'client' (for mTLS client certificates). */
  usage?: 'server' | 'client';
  notBefore?: Date;
  notAfter?: Date;
}

function newKeys(): {
  pem: string;
  forgeKeys: { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey };
} {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgePrivate = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  const forgePublic = forge.pki.setRsaPublicKey(forgePrivate.n, forgePrivate.e);
  return { pem, forgeKeys: { privateKey: forgePrivate, publicKey: forgePublic } };
}

/**
 * A certificate serial: 16 bytes, 126 of them random. The first byte is kept
 * in 0x40-0x7f: the high bit cleared so DER does not read the number as
 * negative, the next bit set so it never starts with a zero byte. node-forge
 * drops one leading zero byte only, so a serial starting 00 00 was written
 * with a zero byte too many, which OpenSSL refuses when it loads the
 * certificate ("asn1 encoding routines::illegal padding"), once in 65,536.
 */
export function serialNumber(bytes: Buffer = randomBytes(16)): string {
  const serial = Buffer.from(bytes.subarray(0, 16));
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  return serial.toString('hex');
}

/** Creates a new CA valid from yesterday for a year. */
export function createCertificateAuthority(commonName = 'OIDC Flow Debugger Sandbox CA'): CertificateAuthority {
  const caKeys = newKeys();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = caKeys.forgeKeys.publicKey;
  caCert.serialNumber = serialNumber();
  caCert.validity.notBefore = new Date(Date.now() - DAY);
  caCert.validity.notAfter = new Date(Date.now() + 365 * DAY);
  const caName = [{ name: 'commonName', value: commonName }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(caKeys.forgeKeys.privateKey, forge.md.sha256.create());

  const issue = (options: IssueOptions): PemPair => {
    const keys = newKeys();
    const isIp = /^[\d.]+$|:/.test(options.commonName);
    const dnsNames = options.dnsNames ?? (isIp ? [] : [options.commonName]);
    const ipAddresses = options.ipAddresses ?? (isIp ? [options.commonName] : []);
    const usage = options.usage ?? 'server';
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.forgeKeys.publicKey;
    cert.serialNumber = serialNumber();
    cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY);
    cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 90 * DAY);
    cert.setSubject([{ name: 'commonName', value: options.commonName }]);
    cert.setIssuer(caName);
    const altNames = [...dnsNames.map((value) => ({ type: 2, value })), ...ipAddresses.map((ip) => ({ type: 7, ip }))];
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
      ...(altNames.length ? [{ name: 'subjectAltName', altNames }] : []),
      { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(caKeys.forgeKeys.privateKey, forge.md.sha256.create());
    return { cert: forge.pki.certificateToPem(cert), key: keys.pem };
  };

  return { cert: forge.pki.certificateToPem(caCert), key: caKeys.pem, issue };
}
