/** Paging through Kong collections never carries the API token to another origin. */
import { strict as assert } from 'node:assert';
import { readKongAdmin } from '../../../src/core/gateway/admin-api';
import { createHttpClient } from '../../../src/core/http/client';
import { closeAfterEach } from '../../support/close-after-each';
import { httpServer } from '../../support/loopback-servers';
import { rejection } from '../../support/rejection';

describe('Kong collection paging', () => {
  const opened = closeAfterEach();

  it('refuses a `next` link on another origin, naming it, and sends it nothing (not the Kong-Admin-Token)', async () => {
    const elsewhere: Array<Record<string, string | string[] | undefined>> = [];
    const collector = opened(
      await httpServer((req, res) => {
        elsewhere.push(req.headers);
        res.setHeader('content-type', 'application/json');
        res.end('{"data":[]}');
      }),
    );
    const admin = opened(
      await httpServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/') return void res.end('{"version":"3.9.1"}');
        res.end(JSON.stringify({ data: [], next: `${collector.url}${req.url?.split('?')[0]}?offset=x` }));
      }),
    );
    const http = opened(createHttpClient({ env: {} }));
    const error = await rejection(readKongAdmin(http, { adminUrl: admin.url, token: 'admin-token-canary' }));
    assert.equal(error.code, 'gateway.admin_malformed');
    assert.match(error.message, new RegExp(`next page .* ${collector.url.replace(/[.]/g, '\\.')}`));
    assert.match(error.message, /not the Kong Admin API's own origin/);
    assert.deepEqual(elsewhere, [], 'nothing was sent to the other origin');
  });
});
