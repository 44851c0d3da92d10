import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { formatLocal, formatUtc, utcZoneFastPath } from '../../../src/core/jwt/time-format';

/** What formatLocal printed before the fast path: Intl's parts, in the system zone. */
function viaIntl(date: Date): string {
  const formatter = new Intl.DateTimeFormat('en-US', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  const parts = Object.fromEntries(formatter.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName ?? ''}`.trim();
}

/** Runs `body` with the process in time zone `zone` (Node re-reads TZ when it is set). */
function inZone<T>(zone: string, body: () => T): T {
  const saved = process.env.TZ;
  process.env.TZ = zone;
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

// Every 397 days and 1 h 1 min 1 s from 1850 to 2150: both sides of the 1900-9999 bound, DST or not.
const INSTANTS: Date[] = [];
for (let t = Date.UTC(1850, 0, 1); t < Date.UTC(2150, 0, 1); t += (397 * 86400 + 3661) * 1000)
  INSTANTS.push(new Date(t));

describe('formatLocal without Intl for a UTC system zone (issue #14, CLI start)', () => {
  it('prints what Intl prints, in every time zone this runtime knows, or leaves it to Intl', () => {
    const zones = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Europe/London'];
    let fast = 0;
    for (const zone of zones)
      inZone(zone, () => {
        for (const date of INSTANTS) {
          const text = utcZoneFastPath(date);
          if (text === undefined) continue;
          fast += 1;
          assert.equal(text, viaIntl(date), `${zone} at ${date.toISOString()}`);
        }
      });
    // Only a locale that names UTC differently (e.g. LANG unset: "GMT+00:00") takes Intl's path everywhere.
    if (new Date(0).toString().includes('(Coordinated Universal Time)')) assert.ok(fast > 0);
  });

  it('is taken for UTC under a usual server locale (C.UTF-8, en_US.UTF-8)', () => {
    for (const LANG of ['C.UTF-8', 'en_US.UTF-8']) {
      const text = execFileSync(process.execPath, ['-e', 'process.stdout.write(new Date(0).toString())'], {
        env: { ...process.env, TZ: 'UTC', LANG, LC_ALL: LANG },
        encoding: 'utf8',
      });
      assert.match(text, /\(Coordinated Universal Time\)$/, `LANG=${LANG}`);
    }
  });

  it('formatLocal gives the same text either way, and Intl still names other zones', () => {
    const exp = Date.UTC(2026, 4, 1, 14, 3, 12) / 1000;
    inZone('UTC', () => assert.equal(formatLocal(exp), viaIntl(new Date(exp * 1000))));
    inZone('America/New_York', () => assert.equal(formatLocal(exp), '2026-05-01 10:03:12 EDT'));
    inZone('UTC', () => assert.equal(formatLocal(exp, 'Europe/Berlin'), '2026-05-01 16:03:12 GMT+2'));
    inZone('UTC', () => assert.equal(formatLocal(1e13), 'epoch 10000000000000'));
  });
});

/** The spelling formatUtc had when it went through Date#toISOString, kept as the reference. */
function viaDate(seconds: number): string {
  const iso = new Date(Math.floor(seconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

describe('formatUtc', () => {
  it('spells every instant exactly as Date#toISOString does (computed without a Date from 1970 to 9999)', () => {
    for (const seconds of [0, 59, 86_399, 86_400, 951_782_400, 951_868_800, 4_107_542_400, 253_402_300_799]) {
      assert.equal(formatUtc(seconds), viaDate(seconds), String(seconds));
    }
    fc.assert(
      fc.property(fc.double({ min: -8.64e12, max: 8.64e12, noNaN: true }), (seconds) => {
        assert.equal(formatUtc(seconds), viaDate(seconds));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (seconds) => {
        assert.equal(formatUtc(seconds), viaDate(seconds));
      }),
      { numRuns: 5000 },
    );
  });

  it('shows instants a Date cannot hold as raw numbers', () => {
    assert.equal(formatUtc(9e12), 'epoch 9000000000000');
    assert.equal(formatUtc(Number.POSITIVE_INFINITY), 'epoch Infinity');
  });

  it('spells a well-known instant', () => {
    assert.equal(formatUtc(1_714_572_192), '2024-05-01 14:03:12 UTC');
  });
});
