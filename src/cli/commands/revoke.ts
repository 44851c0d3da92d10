import { parseArgs } from 'node:util';
import { REVOKE_OPTIONS } from '../command-options';
import { redactText, redactUrl } from '../../core/http/redact';
import { revoke } from '../../core/oauth/revocation';
import { CLIENT_OPTIONS_HELP, rejectSecretFlags, SERVER_OPTIONS_HELP } from '../idp-options';
import { withTokenAtIdp } from '../idp-connect';
import type { CliIo } from '../io';
import { EXIT, styler } from '../io';

export const revokeHelp = `Usage: oidc-flow revoke [<token> | -] [--token-env NAME] [--hint access_token|refresh_token]
                        <IdP options>

Asks the IdP to revoke a token (RFC 7009) and prints what it answered. The
token comes from the argument, standard input ("-" or piped), or the
variable named by --token-env; it is never printed.

An IdP answers 200 even for a token it does not know, one that already
expired or was revoked before (RFC 7009, 2.2): a 200 says the request was
accepted, not that the token existed. "oidc-flow introspect" afterwards
shows whether it is now inactive.

Options:
  --token-env NAME   read the token from this environment variable
  --hint TYPE        token_type_hint: access_token or refresh_token

${SERVER_OPTIONS_HELP}${CLIENT_OPTIONS_HELP}
Exit codes: 0 the IdP accepted the revocation, 1 it refused (or failed), 2 wrong options.
`;

const HINTS = ['access_token', 'refresh_token'];

/** oidc-flow revoke */
export async function revokeCommand(args: string[], io: CliIo): Promise<number> {
  rejectSecretFlags(args);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: REVOKE_OPTIONS,
  });
  return withTokenAtIdp(values, positionals, HINTS, io, async (idp, token) => {
    const { response } = await revoke(idp.ctx, token, { tokenTypeHint: values.hint });
    const s = styler(io.stdout, io.env);
    const what =
      values.hint === 'refresh_token' ? 'refresh token' : values.hint === 'access_token' ? 'access token' : 'token';
    const body = redactText(response.text.trim(), [token]);
    io.stdout.write(
      [
        `${s.green('ACCEPTED')}: the revocation endpoint ${redactUrl(response.exchange.request.url, [token])} answered HTTP ${response.status}${body ? '' : ' (empty body)'} for the ${what}.`,
        ...(body ? [`  ${body.length > 300 ? `${body.slice(0, 300)}...` : body}`] : []),
        `${s.yellow('note')}: RFC 7009 has the IdP answer 200 for unknown, expired and already revoked tokens too, so this does not prove the token existed; "oidc-flow introspect" shows whether it is inactive now.`,
      ].join('\n') + '\n',
    );
    return EXIT.ok;
  });
}
