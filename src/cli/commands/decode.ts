import { parseArgs } from 'node:util';
import { DECODE_OPTIONS } from '../command-options';
// From the modules, not core/jwt's index, which loads jose and the JWKS cache (issue #14, CLI start).
import { classifyToken } from '../../core/jwt/decode';
import { explainClaims } from '../../core/jwt/explain';
import type { CliIo } from '../io';
import { EXIT, styler, UsageError } from '../io';
import { decodeTokenArgument, readTokenArgument } from '../token-input';

export const decodeHelp = `Usage: oidc-flow decode [<token> | -] [--token-env NAME] [--json] [--time-zone ZONE]

Decodes a JWT WITHOUT verifying its signature and explains every claim.
The token comes from the argument, from standard input ("-" or piped), or
from the environment variable named by --token-env (keeps it out of shell
history). Use "oidc-flow verify" to check the signature against the IdP.

Options:
  --token-env NAME   read the token from this environment variable
  --json             print {header, payload, claims} as JSON
  --time-zone ZONE   IANA time zone for times (default: this machine's)
`;

/** oidc-flow decode */
export async function decodeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: DECODE_OPTIONS,
  });
  const token = await readTokenArgument(positionals[0], values['token-env'], io);
  if (classifyToken(token) === 'opaque' && !token.includes('.')) {
    throw new UsageError(
      'This token is not a JWT (it has no header.payload.signature form): it is an opaque reference token. Only the IdP can tell what it means: run "oidc-flow introspect".',
    );
  }
  const decoded = decodeTokenArgument(token);
  const claims = explainClaims(decoded.payload, { timeZone: values['time-zone'] });
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ verified: false, header: decoded.header, payload: decoded.payload, claims }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  const s = styler(io.stdout, io.env);
  io.stdout.write(`${s.yellow('UNVERIFIED')}: decoded without checking the signature.\n\n`);
  if (decoded.unsecured)
    io.stdout.write(`${s.red('alg: none')}: this token carries no signature; no verifier should accept it.\n\n`);
  if (decoded.header.crit !== undefined)
    io.stdout.write(
      `${s.red('crit')}: the header marks ${JSON.stringify(decoded.header.crit)} as critical; a verifier that does not understand ${Array.isArray(decoded.header.crit) && decoded.header.crit.length === 1 ? 'it' : 'them'} must reject the token (RFC 7515 4.1.11).\n\n`,
    );
  io.stdout.write(`${s.bold('Header')}\n${JSON.stringify(decoded.header, null, 2)}\n\n${s.bold('Claims')}\n`);
  const width = Math.min(14, Math.max(...claims.map((c) => c.name.length), 0));
  for (const claim of claims) {
    io.stdout.write(`  ${s.cyan(claim.name.padEnd(width))}  ${claim.explanation}\n`);
  }
  return EXIT.ok;
}
