import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as undiciIndex from 'undici';
import { undici } from '../../../src/core/http/undici';

describe('undici from its own modules (src/core/http/undici.ts, issue #14 CLI start)', () => {
  it('hands out the classes and connector the package index exports', () => {
    const parts = undici();
    assert.equal(parts.Agent, undiciIndex.Agent);
    assert.equal(parts.ProxyAgent, undiciIndex.ProxyAgent);
    assert.equal(parts.buildConnector, undiciIndex.buildConnector);
  });

  it('gives every dispatcher the request API without the index (ProxyAgent tunnels with connect)', function () {
    this.timeout(30_000);
    // A process of its own: here the index is loaded (above), and it does the same.
    const script = [
      `const { undici } = require(${JSON.stringify(join(__dirname, '..', '..', '..', 'src', 'core', 'http', 'undici.ts'))});`,
      'const { Agent } = undici();',
      'const index = Object.keys(require.cache).some((f) => /undici[\\\\/]index\\.js$/.test(f));',
      "const api = ['request', 'stream', 'pipeline', 'connect', 'upgrade'].map((m) => typeof Agent.prototype[m]);",
      'process.stdout.write(JSON.stringify({ index, api }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), {
      index: false,
      api: ['function', 'function', 'function', 'function', 'function'],
    });
  });
});
