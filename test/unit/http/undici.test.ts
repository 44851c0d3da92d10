import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as undiciIndex from 'undici';
import { undici, undiciProxyAgent } from '../../../src/core/http/undici';

describe('undici from its own modules (src/core/http/undici.ts, issue #14 CLI start)', () => {
  it('hands out the classes and connector the package index exports', () => {
    const parts = undici();
    assert.equal(parts.Agent, undiciIndex.Agent);
    assert.equal(parts.Pool, undiciIndex.Pool);
    assert.equal(parts.Client, undiciIndex.Client);
    assert.equal(parts.buildConnector, undiciIndex.buildConnector);
    assert.equal(undiciProxyAgent(), undiciIndex.ProxyAgent);
  });

  it('evaluates the proxy modules and the request API only for a proxy, which tunnels with connect', function () {
    this.timeout(30_000);
    // A process of its own: here the index is loaded (above), and it mixes the API in itself.
    const script = [
      `const { undici, undiciProxyAgent } = require(${JSON.stringify(join(__dirname, '..', '..', '..', 'src', 'core', 'http', 'undici.ts'))});`,
      "const loaded = (name) => Object.keys(require.cache).some((f) => f.replace(/\\\\/g, '/').endsWith(`/undici/lib/${name}.js`));",
      "const api = (Agent) => ['request', 'stream', 'pipeline', 'connect', 'upgrade'].map((m) => typeof Agent.prototype[m]);",
      'const { Agent } = undici();',
      "const direct = { index: loaded('../index'), proxy: loaded('dispatcher/proxy-agent'), socks: loaded('dispatcher/socks5-proxy-agent'), api: api(Agent) };",
      'undiciProxyAgent();',
      "const proxied = { index: loaded('../index'), proxy: loaded('dispatcher/proxy-agent'), api: api(Agent) };",
      'process.stdout.write(JSON.stringify({ direct, proxied }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), {
      direct: {
        index: false,
        proxy: false,
        socks: false,
        api: ['undefined', 'undefined', 'undefined', 'undefined', 'undefined'],
      },
      proxied: { index: false, proxy: true, api: ['function', 'function', 'function', 'function', 'function'] },
    });
  });
});
