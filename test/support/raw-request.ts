/**
 * Sends bytes to a loopback server over a raw socket (no HTTP client to
 * normalise them) and returns the status line of its answer, so tests can
 * speak request lines and headers no well-behaved client would send.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';

/**
 * The request lines and headers a hostile client sends. None may kill a server; the `refused` ones
 * (no valid request at all) earn a 4xx/5xx from every server that reads the URL. A Host of
 * `a:99999` is odd, not invalid: a gateway without host rules proxies it, as Kong does.
 */
export const HOSTILE_REQUESTS: ReadonlyArray<{ name: string; head: string; refused: boolean }> = [
  {
    name: 'an absolute-form URL with port 99999',
    head: 'GET http://a:99999/orders HTTP/1.1\r\nHost: a\r\n',
    refused: true,
  },
  {
    name: 'an absolute-form URL to another host',
    head: 'GET http://evil.example/callback HTTP/1.1\r\nHost: a\r\n',
    refused: true,
  },
  {
    name: 'a scheme-relative path with a bad port',
    head: 'GET //a:99999/orders HTTP/1.1\r\nHost: a\r\n',
    refused: true,
  },
  { name: 'percent garbage', head: 'GET /%zz%%/orders?%E0%A4%A=%ff HTTP/1.1\r\nHost: a\r\n', refused: true },
  { name: 'a Host with port 99999', head: 'GET /orders HTTP/1.1\r\nHost: a:99999\r\n', refused: false },
  { name: 'a Host with spaces and a bad port', head: 'GET /x HTTP/1.1\r\nHost: [::1:bad port\r\n', refused: true },
  { name: 'a request line that is not HTTP', head: 'HELLO\r\n', refused: true },
  {
    name: 'a huge header',
    head: `GET /orders HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n`,
    refused: true,
  },
];

/** Writes `head` + a blank line and resolves with the answer's status code (0: the socket closed without one). */
export function rawStatus(port: number, head: string, options: { tls?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = `${head}Connection: close\r\n\r\n`;
    const socket = options.tls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => socket.write(data))
      : net.connect(port, '127.0.0.1', () => socket.write(data));
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s from 127.0.0.1:${port} to ${JSON.stringify(head.slice(0, 60))}`));
    }, 5000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    // A server may reset the connection after its 4xx; what it wrote before counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      resolve(match ? Number(match[1]) : 0);
    });
  });
}
