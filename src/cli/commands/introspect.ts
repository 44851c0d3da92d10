import { parseArgs } from 'node:util';
import { INTROSPECT_OPTIONS } from '../command-options';
import type { Clock } from '../../core/clock';
import { OidcError } from '../../core/errors';
import { explainClaims } from '../../core/jwt/explain';
import { introspect } from '../../core/oauth/introspection';
import type { IntrospectionResult } from '../../core/oauth/introspection';
import { CLIENT_OPTIONS_HELP, rejectSecretFlags, SERVER_OPTIONS_HELP } from '../idp-options';
import { withTokenAtIdp } from '../idp-connect';
import type { CliIo, Styler } from '../io';
import { EXIT, styler } from '../io';

export const introspectHelp = `Usage: oidc-flow introspect [<token> | -] [--token-env NAME] [--hint access_token|refresh_token|id_token]
                            [--jwt] [--json] [--time-zone ZONE] <IdP options>

Asks the IdP whether a token is active (RFC 7662) and explains what it says
about it. Works for opaque tokens too. The token comes from the argument,
standard input ("-" or piped), or the variable named by --token-env.

Options:
  --token-env NAME   read the token from this environment variable
  --hint TYPE        token_type_hint: access_token, refresh_token or id_token
  --jwt              ask for a signed answer (RFC 9701) and verify it against the IdP's JWKS
  --json             print {active, format, claims} as JSON
  --time-zone ZONE   IANA time zone for times (default: this machine's)

${SERVER_OPTIONS_HELP}${CLIENT_OPTIONS_HELP}
Exit codes: 0 the token is active, 1 inactive (or the IdP failed), 2 wrong options.
`;

const HINTS = ['access_token', 'refresh_token', 'id_token'];

/** Human lines for an introspection answer: the verdict, then each claim explained. */
export function formatIntrospection(
  result: Pick<IntrospectionResult, 'active' | 'claims' | 'format' | 'warnings'>,
  s: Styler,
  options: { clock?: Clock; timeZone?: string; jwksUri?: string } = {},
): string {
  const lines: string[] = [];
  const signed =
    result.format === 'jwt' ? ` (signed answer, verified${options.jwksUri ? ` against ${options.jwksUri}` : ''})` : '';
  if (result.active) lines.push(`${s.green('ACTIVE')}: the IdP says the token is active${signed}.`);
  else
    lines.push(
      `${s.red('INACTIVE')}: the IdP says the token is not active${signed}: it expired, was revoked, is unknown to this authorization server, or its application or user was deactivated.`,
    );
  for (const warning of result.warnings) lines.push(`${s.yellow('warning')}: ${warning}`);
  const { active: _active, ...claims } = result.claims;
  const explained = explainClaims(claims, { timeZone: options.timeZone, clock: options.clock });
  if (explained.length > 0) {
    lines.push('', s.bold('What the IdP says about it'));
    const width = Math.min(14, Math.max(...explained.map((c) => c.name.length)));
    for (const claim of explained) lines.push(`  ${s.cyan(claim.name.padEnd(width))}  ${claim.explanation}`);
  }
  return `${lines.join('\n')}\n`;
}

/** oidc-flow introspect */
export async function introspectCommand(args: string[], io: CliIo): Promise<number> {
  rejectSecretFlags(args);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: INTROSPECT_OPTIONS,
  });
  return withTokenAtIdp(values, positionals, HINTS, io, async (idp, token) => {
    if (values.jwt && !idp.jwks) {
      throw new OidcError(
        'config.missing_jwks',
        `--jwt needs the IdP's keys to verify the signed answer, but ${idp.ctx.metadata.issuer || 'the IdP'} publishes no jwks_uri.`,
        {
          hint: 'Give --jwks-uri, or leave out --jwt.',
        },
      );
    }
    const result = await introspect(idp.ctx, token, {
      tokenTypeHint: values.hint,
      accept: values.jwt ? 'jwt' : 'json',
      verifyKey: values.jwt ? idp.jwks?.keyResolver() : undefined,
    });
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ active: result.active, format: result.format, claims: result.claims, warnings: result.warnings }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(
        formatIntrospection(result, styler(io.stdout, io.env), {
          timeZone: values['time-zone'],
          jwksUri: idp.jwks?.jwksUri,
        }),
      );
    }
    return result.active ? EXIT.ok : EXIT.failed;
  });
}
