// The baseline of bench/e2e-tools.ts: the fewest moves that make the same
// requests as the contenders, as a process of its own. N times: a
// client-credentials token (client_secret_basic, over https with the
// sandbox CA), then a GET through the gateway with it; any other answer
// than 200 ends it with exit 1. Plain JavaScript so no loader is timed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Agent, request } = require('undici');

const { TOKEN_URL, CLIENT_ID, SECRET, GATEWAY_URL, CA_FILE, N } = process.env;
const dispatcher = new Agent({ connect: { ca: readFileSync(CA_FILE, 'utf8') } });
const basic = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(SECRET)}`).toString('base64')}`;

for (let i = 0; i < Number(N); i += 1) {
  const token = await request(TOKEN_URL, {
    method: 'POST',
    dispatcher,
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=orders%3Aread',
  });
  const { access_token: accessToken } = await token.body.json();
  if (token.statusCode !== 200 || !accessToken) {
    process.stderr.write(`token request answered ${token.statusCode}\n`);
    process.exit(1);
  }
  const call = await request(`${GATEWAY_URL}/orders`, {
    dispatcher,
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await call.body.text();
  if (call.statusCode !== 200) {
    process.stderr.write(`gateway answered ${call.statusCode}\n`);
    process.exit(1);
  }
}
process.stdout.write(`${N} iterations passed\n`);
await dispatcher.close();
