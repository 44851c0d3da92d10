import { strict as assert } from 'node:assert';
import { formatIntrospection, introspectCommand, introspectHelp } from '../../../src/cli/commands/introspect';
import { styler } from '../../../src/cli/io';
import { ManualClock } from '../../../src/core/clock';
import { captureIo } from '../../support/capture-io';
import { invoke } from '../../support/cli-invoke';

const plain = styler({ isTTY: false }, {});
const clock = new ManualClock(Date.UTC(2024, 4, 1, 14, 0, 0));

describe('oidc-flow introspect', () => {
  it('says ACTIVE and explains each claim the IdP returned (not "active" itself)', () => {
    const text = formatIntrospection(
      {
        active: true,
        format: 'json',
        warnings: [],
        claims: {
          active: true,
          scope: 'orders:read orders:write',
          client_id: 'cc-basic',
          exp: clock.now() / 1000 + 3600,
        },
      },
      plain,
      { clock, timeZone: 'UTC' },
    );
    assert.match(text, /^ACTIVE: the IdP says the token is active\.\n/);
    assert.match(text, /\n  scope +Granted scopes: orders:read, orders:write/);
    assert.match(text, /\n  client_id +The client that requested the token: cc-basic/);
    assert.match(text, /\n  exp +The token is usable until 2024-05-01 15:00:00 UTC \(in 1 hour\)/);
    assert.doesNotMatch(text, /\n  active /);
  });

  it('says INACTIVE with the possible reasons, and when the answer was signed and verified', () => {
    const text = formatIntrospection({ active: false, format: 'jwt', warnings: [], claims: { active: false } }, plain, {
      jwksUri: 'https://idp/keys',
    });
    assert.equal(
      text,
      'INACTIVE: the IdP says the token is not active (signed answer, verified against https://idp/keys): it expired, was revoked, is unknown to this authorization server, or its application or user was deactivated.\n',
    );
  });

  it('shows warnings, e.g. an unsigned answer to a --jwt request', () => {
    const text = formatIntrospection(
      { active: true, format: 'json', warnings: ['the answer is unsigned'], claims: { active: true } },
      plain,
    );
    assert.match(text, /\nwarning: the answer is unsigned\n/);
  });

  it('refuses an unknown --hint and needs a client id (exit 2)', async () => {
    const hint = captureIo();
    assert.equal(
      await invoke(introspectCommand, ['tok', '--token-endpoint', 'https://idp/token', '--hint', 'bogus'], hint.io),
      2,
    );
    assert.match(hint.err(), /Unknown --hint "bogus"/);
    const client = captureIo();
    assert.equal(
      await invoke(introspectCommand, ['tok', '--introspection-endpoint', 'http://127.0.0.1:9/introspect'], client.io),
      2,
    );
    assert.match(client.err(), /--client-id is required/);
    assert.match(introspectHelp, /^Usage: oidc-flow introspect/);
  });
});
