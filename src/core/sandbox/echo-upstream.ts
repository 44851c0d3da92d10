import { createServer } from 'node:http';
import { listenLocal } from '../listen';

/** The largest body the echo upstream keeps (1 MiB, as the sandbox gateway). */
const ECHO_BODY_LIMIT = 1024 * 1024;

export interface EchoUpstream {
  url: string;
  close(): Promise<void>;
}

/**
 * An upstream service that answers every request with what it received, so
 * the user sees exactly which headers (token, claims) the gateway forwarded.
 */
export async function startEchoUpstream(options: { port?: number } = {}): Promise<EchoUpstream> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Bounded memory: a client may stream forever; past the cap it gets a 413 and loses the connection.
      if (size > ECHO_BODY_LIMIT) {
        if (!res.headersSent) res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
        res.end(`request body larger than ${ECHO_BODY_LIMIT} bytes\n`);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const payload = JSON.stringify(
        { upstream: 'echo', method: req.method, path: req.url, headers: req.headers, body: body || undefined },
        null,
        2,
      );
      res.writeHead(200, { 'content-type': 'application/json', 'x-sandbox-upstream': 'echo' });
      res.end(payload);
    });
  });
  // undici drops a connection whose server announces a keep-alive under 2 s (its keepAliveTimeoutThreshold):
  // at 1 s every request paid a new TCP connection. close() ends idle connections, so a longer one costs nothing.
  server.keepAliveTimeout = 5000;
  const port = await listenLocal(server, options.port, {
    code: 'sandbox.upstream.listen',
    what: 'The sandbox echo upstream',
    hint: 'Pick another port, or use 0 for a free one.',
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
