import type * as Undici from 'undici';

/**
 * One GET through the undici modules src/core/http/undici.ts loads (the Agent and connector from
 * their own files, not the package index) and its dispatch-handler API, the body gathered.
 */
export function get(url: string): Promise<{ status: number; body: string }> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Agent = require('undici/lib/dispatcher/agent') as typeof Undici.Agent;
  const buildConnector = require('undici/lib/core/connect') as typeof Undici.buildConnector;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const agent = new Agent({ connect: buildConnector({}) });
  const { origin, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    agent.dispatch(
      { origin, path: pathname + search, method: 'GET', headers: {} },
      {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ status, body: Buffer.concat(chunks).toString('utf8') });
        },
        onResponseError(_controller, error) {
          reject(error);
        },
      },
    );
  });
}
