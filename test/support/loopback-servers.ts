import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { CertificateAuthority, PemPair } from '../../src/core/sandbox/certs';
import { createCertificateAuthority } from '../../src/core/sandbox/certs';

/** A server listening on 127.0.0.1 that closes every connection it ever had. */
export interface Running {
  port: number;
  url: string;
  close(): Promise<void>;
}

function track(server: net.Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** Starts `server` on 127.0.0.1, port 0. */
export async function listen(server: net.Server, scheme: 'http' | 'https' | 'tcp'): Promise<Running> {
  const sockets = track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

function collecting(handler: Handler): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  };
}

/** A plain http server whose handler also gets the request body. */
export function httpServer(handler: Handler): Promise<Running> {
  return listen(http.createServer(collecting(handler)), 'http');
}

/** An https server with the given certificate (and options such as requestCert). */
export function httpsServer(pair: PemPair, handler: Handler, options: https.ServerOptions = {}): Promise<Running> {
  return listen(https.createServer({ cert: pair.cert, key: pair.key, ...options }, collecting(handler)), 'https');
}

/** A TCP server that accepts connections and never says a word (so a TLS handshake never completes). */
export function silentServer(): Promise<Running> {
  return listen(
    net.createServer(() => undefined),
    'tcp',
  );
}

export interface Pki {
  ca: CertificateAuthority;
  /** Valid for 127.0.0.1 and localhost. */
  leaf: PemPair;
  /** Valid only for wrong.example. */
  wrongHost: PemPair;
  /** Expired yesterday. */
  expired: PemPair;
  /** A client certificate (mTLS). */
  client: PemPair;
  /** A client certificate from a CA the servers do not trust. */
  strangerClient: PemPair;
}

let pki: Pki | undefined;

/** Certificates for the tests, made once (RSA key generation is slow). */
export function testPki(): Pki {
  if (pki) return pki;
  const ca = createCertificateAuthority('HTTP Test CA');
  const day = 24 * 60 * 60 * 1000;
  pki = {
    ca,
    leaf: ca.issue({ commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }),
    wrongHost: ca.issue({ commonName: 'wrong.example', dnsNames: ['wrong.example'], ipAddresses: [] }),
    expired: ca.issue({
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      notBefore: new Date(Date.now() - 30 * day),
      notAfter: new Date(Date.now() - day),
    }),
    client: ca.issue({ commonName: 'test-client', usage: 'client' }),
    strangerClient: createCertificateAuthority('Stranger CA').issue({ commonName: 'stranger', usage: 'client' }),
  };
  return pki;
}

/** Reads a request's body and answers nothing (for headers timeouts). */
export function never(): Handler {
  return () => undefined;
}

/** A CONNECT + absolute-form forward proxy; `seen` lists what it was asked for. */
export async function proxyServer(): Promise<Running & { seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '');
    if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
      res.writeHead(403).end();
      return;
    }
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-via-test-proxy': '1' });
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1' && host !== 'localhost') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const running = await listen(server, 'http');
  return { ...running, seen };
}

/** Answers 200 with a 1000-byte body and sends one byte of it every `everyMs`: each gap is short, the whole is not. */
export function dripping(everyMs: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
    const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('x')), everyMs);
    res.on('close', () => clearInterval(timer));
  };
}
