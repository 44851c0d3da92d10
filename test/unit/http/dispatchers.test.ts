import { strict as assert } from 'node:assert';
import { DispatcherCache } from '../../../src/core/http/dispatchers';
import type { TransportSettings } from '../../../src/core/http/dispatchers';

describe('DispatcherCache (one dispatcher per transport settings)', () => {
  const base: TransportSettings = { insecure: false, connectTimeout: 1000 };
  // Equal texts that are not the same string object, as a second read of a CA file would give.
  const pem = (n: number) => ['-----BEGIN CERTIFICATE-----', `MII${n}`, '-----END CERTIFICATE-----'].join('\n');

  it('gives the same dispatcher for equal settings, whatever objects carry them', async () => {
    const cache = new DispatcherCache();
    try {
      const a = cache.get({ ...base, ca: [pem(1)], proxy: 'http://proxy.example:3128' });
      const b = cache.get({ ...base, ca: [pem(1).slice(0)], proxy: `http://proxy.example:${3128}` });
      assert.equal(a, b);
      assert.equal(cache.get({ ...base }), cache.get({ insecure: false, connectTimeout: 1000 }));
    } finally {
      await cache.close();
    }
  });

  it('finds a frozen settings object again by itself, and looks an unfrozen one up by what it says now', async () => {
    const cache = new DispatcherCache();
    try {
      const frozen = Object.freeze({ ...base, ca: Object.freeze([pem(1)]) });
      const first = cache.get(frozen);
      assert.equal(cache.get(frozen), first);
      assert.equal(cache.get({ ...base, ca: [pem(1)] }), first, 'an equal object finds the same dispatcher');
      const changing: TransportSettings = { ...base };
      const plain = cache.get(changing);
      changing.insecure = true;
      assert.notEqual(cache.get(changing), plain, 'a changed object is looked up again');
    } finally {
      await cache.close();
    }
    assert.throws(() => cache.get(Object.freeze({ ...base })), /The HTTP client was closed/);
  });

  it('gives another dispatcher when any setting differs', async () => {
    const cache = new DispatcherCache();
    try {
      const variants: TransportSettings[] = [
        { ...base },
        { ...base, ca: [] },
        { ...base, ca: [pem(1)] },
        { ...base, ca: [pem(2)] },
        { ...base, ca: [pem(1), pem(2)] },
        { ...base, ca: [pem(2), pem(1)] },
        { ...base, insecure: true },
        { ...base, connectTimeout: 2000 },
        { ...base, proxy: 'http://proxy.example:3128' },
        { ...base, cert: pem(1) },
        { ...base, cert: pem(1), key: 'key one' },
        { ...base, cert: pem(1), key: 'key two' },
        { ...base, cert: pem(1), key: 'key two', passphrase: 'p' },
      ];
      const dispatchers = variants.map((settings) => cache.get(settings));
      assert.equal(new Set(dispatchers).size, variants.length);
      // And each is found again.
      variants.forEach((settings, i) => assert.equal(cache.get({ ...settings }), dispatchers[i]));
    } finally {
      await cache.close();
    }
  });
});
