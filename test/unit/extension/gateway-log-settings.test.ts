/**
 * oidcFlow.gatewayLogs: the entries a person writes are read (nonsense left
 * out), and each flow-file route gets the log meant for it: by its name
 * first, then by its gateway (kind or base URL), then a catch-all.
 */
import assert from 'node:assert/strict';
import type { RouteConfig } from '../../../src/core/flow/file-format';
import { gatewayLogFor } from '../../../src/extension/services/gateway-log-for';
import { gatewayLogSettings } from '../../../src/extension/services/settings';

describe('oidcFlow.gatewayLogs', () => {
  it('keeps the usable entries: a file, an optional route or gateway, whole minutes within ±14 h', () => {
    assert.deepEqual(
      gatewayLogSettings([
        { route: ' orders ', file: ' /var/log/apache2/error.log ', utcOffsetMinutes: 60 },
        { gateway: 'kong', file: 'logs/error.log' },
        { file: '' },
        { route: 'x' },
        { file: '/a.log', utcOffsetMinutes: 61.5 },
        { file: '/b.log', utcOffsetMinutes: 900 },
        'not an object',
        null,
      ]),
      [
        { route: 'orders', file: '/var/log/apache2/error.log', utcOffsetMinutes: 60 },
        { gateway: 'kong', file: 'logs/error.log' },
      ],
    );
    assert.deepEqual(gatewayLogSettings(undefined), []);
    assert.deepEqual(gatewayLogSettings({ file: '/x' }), []);
  });

  const kong: RouteConfig = { baseUrl: 'http://localhost:8000', gateway: { kind: 'kong' } };
  const apache: RouteConfig = { baseUrl: 'http://127.0.0.1:8080', path: '/orders' };

  it('picks the entry naming the route, then its gateway, then a catch-all, and says which entry it was', () => {
    const logFor = gatewayLogFor(
      [
        { file: '/logs/any.log' },
        { gateway: 'http://127.0.0.1:8080', file: '/logs/apache.log', utcOffsetMinutes: -300 },
        { gateway: 'kong', file: 'kong/error.log' },
        { route: 'orders', file: '/logs/orders.log' },
      ],
      '/work/project',
    );
    assert.deepEqual(logFor('orders', kong), { file: '/logs/orders.log', where: 'oidcFlow.gatewayLogs[3]' });
    assert.deepEqual(logFor('other', kong), { file: '/work/project/kong/error.log', where: 'oidcFlow.gatewayLogs[2]' });
    assert.deepEqual(logFor('legacy', apache), {
      file: '/logs/apache.log',
      utcOffsetMinutes: -300,
      where: 'oidcFlow.gatewayLogs[1]',
    });
    assert.deepEqual(logFor('plain', { baseUrl: 'https://api.test' }), {
      file: '/logs/any.log',
      where: 'oidcFlow.gatewayLogs[0]',
    });
  });

  it('names no log when no entry fits', () => {
    const logFor = gatewayLogFor([{ route: 'orders', file: '/logs/orders.log' }], undefined);
    assert.equal(logFor('payments', kong), undefined);
    assert.equal(gatewayLogFor([], undefined)('orders', kong), undefined);
  });
});
