/**
 * Token verification with a cached JWKS: our verifyJwt (JwksCache over our HttpClient, every
 * claim check reported) against jose's jwtVerify called directly, with createLocalJWKSet (the
 * key set already in memory: jose's floor) and createRemoteJWKSet (fetched and cached by jose).
 * Prints throughput and the ratio to jose measured in the same process, and how many times each
 * side fetched the JWKS (ours must fetch it exactly once for the whole run). Twice: one token
 * verified again and again (a client calling with its token until it expires; decodeJwt then
 * reuses its decode of the same text), and 100 tokens in turn (many clients).
 *
 *   node --import tsx bench/jwks-verify.ts      (VERIFICATIONS=20000 in 25 rounds; BENCH_QUICK=1 runs 2000 in 5)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { createHttpClient } from '../src/core/http/client';
import { JwksCache } from '../src/core/jwt/jwks';
import { verifyJwt } from '../src/core/jwt/verify';
import { emitRow } from './support/report';

const QUICK = process.env.BENCH_QUICK === '1';
const VERIFICATIONS = Number(process.env.VERIFICATIONS ?? (QUICK ? 2000 : 20000));
// Many short interleaved rounds: on a shared machine a busy second then hits every side alike, and
// the median of the per-round ratios skips it.
const ROUNDS = QUICK ? 5 : 25;
const ISSUER = 'https://idp.example.test/oauth2/default';
const AUDIENCE = 'api://orders';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  // An Okta-like signer: RS256 with a kid, the JWKS holding that key and a second, unused one.
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const jwks = {
    keys: [
      { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(other.publicKey)), kid: 'k0', alg: 'RS256', use: 'sig' },
    ],
  };
  const token = await new SignJWT({ scp: ['orders:read'], cid: 'bench-client', uid: 'u1' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('user@example.test')
    .setIssuedAt()
    .setExpirationTime('1h')
    .setJti('bench')
    .sign(privateKey);

  // A token per verification too: a gateway sees one token many times until it expires (the row
  // above, where decoding the same text again is skipped), but many clients' tokens in turn.
  const DISTINCT = 100;
  const distinct = await Promise.all(
    Array.from({ length: DISTINCT }, (_, i) =>
      new SignJWT({ scp: ['orders:read'], cid: `bench-client-${i}`, uid: `u${i}` })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(`user${i}@example.test`)
        .setIssuedAt()
        .setExpirationTime('1h')
        .setJti(`bench-${i}`)
        .sign(privateKey),
    ),
  );

  const fetches = { ours: 0, jose: 0 };
  const server = createServer((req, res) => {
    if (req.url === '/ours/keys') fetches.ours += 1;
    else if (req.url === '/jose/keys') fetches.jose += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const http = createHttpClient({ env: {} });
  const cache = new JwksCache({ http, jwksUri: `${origin}/ours/keys` });
  const local = createLocalJWKSet(jwks);
  const remote = createRemoteJWKSet(new URL(`${origin}/jose/keys`));

  const ours = async (): Promise<void> => {
    const result = await verifyJwt(token, { keys: cache, issuer: ISSUER, audience: AUDIENCE, profile: 'access_token' });
    if (!result.valid) throw new Error(`verifyJwt refused the token: ${JSON.stringify(result.checks)}`);
  };
  const joseLocal = async (): Promise<void> => {
    await jwtVerify(token, local, { issuer: ISSUER, audience: AUDIENCE });
  };
  const joseRemote = async (): Promise<void> => {
    await jwtVerify(token, remote, { issuer: ISSUER, audience: AUDIENCE });
  };
  let next = 0;
  const oursDistinct = async (): Promise<void> => {
    const result = await verifyJwt(distinct[(next += 1) % DISTINCT]!, {
      keys: cache,
      issuer: ISSUER,
      audience: AUDIENCE,
      profile: 'access_token',
    });
    if (!result.valid) throw new Error(`verifyJwt refused the token: ${JSON.stringify(result.checks)}`);
  };
  const joseDistinct = async (): Promise<void> => {
    await jwtVerify(distinct[(next += 1) % DISTINCT]!, remote, { issuer: ISSUER, audience: AUDIENCE });
  };
  const cpu = { ours: [] as number[], local: [] as number[], remote: [] as number[] };
  // Wall milliseconds of n calls; the process's CPU time for them (main thread and the crypto
  // thread pool alike, for every side) goes to `cpuOut`, which another process's load moves less.
  const time = async (fn: () => Promise<void>, n: number, cpuOut?: number[]): Promise<number> => {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) await fn();
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpuStart);
    cpuOut?.push((used.user + used.system) / 1000);
    return wall;
  };

  // Warm up (JIT, key import, the one JWKS fetch of each cache).
  // A fixed count, so that the short version (BENCH_QUICK) measures JIT-compiled code too.
  for (const fn of [ours, joseLocal, joseRemote, oursDistinct, joseDistinct]) await time(fn, 1000);
  const perRound = Math.max(1, Math.round(VERIFICATIONS / ROUNDS));
  const ms = { ours: [] as number[], local: [] as number[], remote: [] as number[] };
  const msDistinct = { ours: [] as number[], jose: [] as number[] };
  // Interleaved rounds, so a busy moment of the machine hits every side alike.
  for (let r = 0; r < ROUNDS; r += 1) {
    ms.ours.push(await time(ours, perRound, cpu.ours));
    ms.local.push(await time(joseLocal, perRound, cpu.local));
    ms.remote.push(await time(joseRemote, perRound, cpu.remote));
    msDistinct.ours.push(await time(oursDistinct, perRound));
    msDistinct.jose.push(await time(joseDistinct, perRound));
  }
  const vsDistinct = median(msDistinct.ours.map((v, i) => msDistinct.jose[i]! / v));
  const perSecond = (values: number[]): number => (perRound / median(values)) * 1000;
  const vsLocal = median(ms.ours.map((v, i) => ms.local[i]! / v));
  const vsRemote = median(ms.ours.map((v, i) => ms.remote[i]! / v));
  const cpuVsLocal = median(cpu.ours.map((v, i) => cpu.local[i]! / v));
  const cpuVsRemote = median(cpu.ours.map((v, i) => cpu.remote[i]! / v));
  const out = process.stdout;
  out.write(`verifications: ${perRound * ROUNDS} per side (RS256, 2-key JWKS over loopback http), ${ROUNDS} rounds\n`);
  out.write(`jose jwtVerify + createLocalJWKSet: ${perSecond(ms.local).toFixed(0)}/s\n`);
  out.write(`jose jwtVerify + createRemoteJWKSet: ${perSecond(ms.remote).toFixed(0)}/s\n`);
  out.write(
    `ours verifyJwt (JwksCache, access_token profile, every check reported): ${perSecond(ms.ours).toFixed(0)}/s, ` +
      `throughput ${vsRemote.toFixed(2)}x jose remote, ${vsLocal.toFixed(2)}x jose local (goal >= 0.9x); ` +
      `per CPU time ${cpuVsRemote.toFixed(2)}x and ${cpuVsLocal.toFixed(2)}x\n`,
  );
  out.write(
    `a different token each verification (${DISTINCT} in turn): ours ${perSecond(msDistinct.ours).toFixed(0)}/s, ` +
      `jose remote ${perSecond(msDistinct.jose).toFixed(0)}/s, throughput ${vsDistinct.toFixed(2)}x (goal >= 0.9x)\n`,
  );
  out.write(`JWKS fetches for the run: ours ${fetches.ours} (goal exactly 1), jose remote ${fetches.jose}\n`);
  // For bench/all.ts's table: throughput ratios (ours / jose), as the goal is worded.
  emitRow({
    bench: 'jwks-verify',
    case: 'verifyJwt throughput vs jose jwtVerify (remote JWKS)',
    figure: `${perSecond(ms.ours).toFixed(0)}/s (CPU ${cpuVsRemote.toFixed(2)}×)`,
    baseline: `${perSecond(ms.remote).toFixed(0)}/s`,
    ratio: vsRemote,
    goal: '≥0.9×',
  });
  emitRow({
    bench: 'jwks-verify',
    case: `verifyJwt throughput vs jose jwtVerify, a different token each verification (${DISTINCT} in turn)`,
    figure: `${perSecond(msDistinct.ours).toFixed(0)}/s`,
    baseline: `${perSecond(msDistinct.jose).toFixed(0)}/s`,
    ratio: vsDistinct,
    goal: '≥0.9×',
  });
  emitRow({
    bench: 'jwks-verify',
    case: 'JWKS fetches for the run',
    figure: String(fetches.ours),
    baseline: `${fetches.jose} (jose remote)`,
    goal: 'exactly 1',
  });
  await http.close();
  server.close();
  if (fetches.ours !== 1) process.exitCode = 1;
}

void main().catch((error: unknown) => {
  process.stderr.write(`jwks-verify bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
