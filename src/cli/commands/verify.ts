import { parseArgs } from 'node:util';
import { VERIFY_OPTIONS } from '../command-options';
import { classifyToken, decodeJwt } from '../../core/jwt/decode';
import type { JwtCheck } from '../../core/jwt/claim-checks';
import { checkJwtHeader } from '../../core/jwt/header-checks';
import type { JwtProfile, JwtVerification } from '../../core/jwt/verify';
import { rejectSecretFlags, requireIdpSpec, SERVER_OPTIONS_HELP } from '../idp-options';
import type { CliIo, Styler } from '../io';
import { EXIT, styler, UsageError } from '../io';
import { decodeTokenArgument, readTokenArgument } from '../token-input';

export const verifyHelp = `Usage: oidc-flow verify [<token> | -] [--token-env NAME] (--issuer URL | --jwks-uri URL) [--audience A]...
                        [--leeway S] [--profile access_token|rfc9068|id_token] [--client-id ID] [--json]

Verifies a JWT against the IdP's keys (JWKS) and checks its claims the way a
gateway does, showing every check with its result rather than stopping at the
first failure. The checks of the token's header need no key and are printed at
once; the others follow when the JWKS has been fetched.

Options:
  --token-env NAME   read the token from this environment variable
  --issuer URL       discover the JWKS and expect this issuer (iss)
  --jwks-uri URL     verify against this JWKS; with --issuer, no discovery is made
  --audience A       an accepted audience (repeatable); aud must contain one
  --leeway S         seconds of clock skew tolerated for exp, nbf and iat (default 0)
  --profile P        access_token (default: exp required), rfc9068 (typ at+jwt, RFC 9068
                     claims) or id_token (OIDC Core rules; give --client-id)
  --client-id ID     the client: ID tokens' aud/azp, access tokens' client_id/cid
  --json             print {valid, header, payload, checks} as JSON

${SERVER_OPTIONS_HELP}
Exit codes: 0 valid, 1 invalid, 2 wrong options.
`;

const PROFILES: readonly JwtProfile[] = ['access_token', 'rfc9068', 'id_token'];

/** Every check as "✔ message" / "✖ message" with the hint under a failure, then the overall result. */
export function formatVerification(verification: Pick<JwtVerification, 'valid' | 'checks'>, s: Styler): string {
  return formatChecks(verification.checks, s) + formatVerdict(verification, s);
}

/** Checks as "✔ message" / "✖ message" lines, the hint under a failure. */
function formatChecks(checks: readonly JwtCheck[], s: Styler): string {
  let text = '';
  for (const check of checks) {
    if (check.ok) text += `${s.green('✔')} ${check.message}\n`;
    else {
      text += `${s.red('✖')} ${check.message}${check.code ? ` ${s.dim(`[${check.code}]`)}` : ''}\n`;
      if (check.hint) text += `    ${s.dim(check.hint)}\n`;
    }
  }
  return text;
}

/** The overall result after a blank line. */
function formatVerdict(verification: Pick<JwtVerification, 'valid' | 'checks'>, s: Styler): string {
  const failed = verification.checks.filter((c) => !c.ok).length;
  return `\n${
    verification.valid
      ? s.green('VALID: every check passed.')
      : s.red(`INVALID: ${failed} of ${verification.checks.length} checks failed.`)
  }\n`;
}

/** Parses --leeway: a non-negative number of seconds. */
export function parseLeeway(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0)
    throw new UsageError(`--leeway takes a number of seconds, got "${value}".`);
  return seconds;
}

/** oidc-flow verify */
export async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  rejectSecretFlags(args);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: VERIFY_OPTIONS,
  });
  if (positionals.length > 1) throw new UsageError('Give at most one token.');
  const profile = values.profile as JwtProfile;
  if (!PROFILES.includes(profile))
    throw new UsageError(`Unknown --profile "${values.profile}": use ${PROFILES.join(', ')}.`);
  const leewaySeconds = parseLeeway(values.leeway);
  const spec = requireIdpSpec(values, io.env);
  const token = await readTokenArgument(positionals[0], values['token-env'], io);
  const kind = classifyToken(token);
  if (kind === 'opaque' && token.includes('.')) {
    // Dot-separated but not a JWT: most likely a JWT cut or garbled while copying. The decoder
    // says which part is wrong and how (the same explanation as "oidc-flow decode").
    decodeTokenArgument(token);
  }
  if (kind !== 'jwt') {
    throw new UsageError(
      kind === 'jwe'
        ? 'This token is an encrypted JWT (JWE), so it cannot be verified locally without the decryption key. Only the IdP can tell what it means: run "oidc-flow introspect".'
        : 'This token is not a signed JWT (it has no header.payload.signature form): it is an opaque reference token, so it cannot be verified locally. Only the IdP can tell what it means: run "oidc-flow introspect".',
    );
  }

  // The header's checks need no key: printed before the connector, the HTTP client and jose load
  // and before the JWKS is fetched (the first output of issue #14's CLI start). verifyJwt begins
  // with the same checks (checkJwtHeader, this decoded token, same default algorithms), so the rest
  // of its list follows them.
  const s = styler(io.stdout, io.env);
  const decoded = decodeJwt(token);
  const early = checkJwtHeader(decoded).checks;
  if (!values.json) io.stdout.write(formatChecks(early, s));
  const [{ verifyJwt }, { withConnectedIdp }] = await Promise.all([
    import('../../core/jwt/verify'),
    import('../idp-connect'),
  ]);
  // An issuer given next to --jwks-uri is only compared, so an IdP without discovery can be checked too.
  const connect = { io, needClient: false, discovery: values['jwks-uri'] === undefined };
  return withConnectedIdp(spec, values, connect, async (idp) => {
    if (!idp.jwks)
      throw new UsageError(`${idp.ctx.metadata.issuer || 'The IdP'} publishes no jwks_uri: give --jwks-uri.`);
    const verification = await verifyJwt(decoded, {
      keys: idp.jwks,
      issuer: idp.ctx.metadata.issuer || undefined,
      audience: values.audience,
      leewaySeconds,
      profile,
      clientId: idp.ctx.client.clientId || undefined,
    });
    if (values.json) io.stdout.write(`${JSON.stringify(verification, null, 2)}\n`);
    else io.stdout.write(formatChecks(verification.checks.slice(early.length), s) + formatVerdict(verification, s));
    return verification.valid ? EXIT.ok : EXIT.failed;
  });
}
