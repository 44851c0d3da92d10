import { strict as assert } from 'node:assert';
import { createCaptureJudge } from '../../../src/core/capture';
import type { JudgeRequest } from '../../../src/core/capture';
import { ManualClock } from '../../../src/core/clock';
import type { HttpExchange } from '../../../src/core/http/types';
import { FakeHttp } from '../../support/fake-http';

/**
 * What this file proves: a capture's verdicts come from the explain path
 * (the IdP's introspection weighed by diagnose), an accepted exchange is only
 * flagged when something is wrong, and the IdP is asked once per token within
 * the answer's time to live.
 */

const INTROSPECT = 'https://idp.test/oauth2/default/v1/introspect';
const TOKEN = 'opaque-access-token-0123456789';

function exchange(status: number, headers: Array<[string, string]> = []): HttpExchange {
  return {
    id: 'capture-1',
    lane: 'gateway',
    startedAt: 0,
    request: { method: 'GET', url: 'http://gw/orders', headers: [['Authorization', `Bearer ${TOKEN}`]], bodySize: 0 },
    response: { status, statusText: '', httpVersion: 'HTTP/1.1', headers, body: '', bodySize: 0, truncated: false },
    timings: { total: 1 },
    warnings: [],
    secrets: [TOKEN],
  };
}

function request(status: number, accepted: boolean): JudgeRequest {
  return {
    exchange: exchange(status, status === 401 ? [['WWW-Authenticate', 'Bearer error="invalid_token"']] : []),
    found: { token: TOKEN, source: { in: 'header', name: 'Authorization' }, scheme: 'Bearer' },
    accepted,
  };
}

describe('createCaptureJudge', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  function judgeAsking(active: boolean, ttl?: number) {
    const http = new FakeHttp().on(INTROSPECT, { body: { active } });
    const judge = createCaptureJudge({
      clock,
      ...(ttl === undefined ? {} : { answerTtlMs: ttl }),
      idp: async () => ({
        ctx: {
          http,
          metadata: { issuer: 'https://idp.test/oauth2/default', introspection_endpoint: INTROSPECT },
          client: { clientId: 'app', authMethod: 'client_secret_basic', clientSecret: 'app-secret' },
        },
      }),
    });
    return { judge, http };
  }

  it('a 401 for a token the IdP calls inactive: token_inactive', async () => {
    const { judge } = judgeAsking(false);
    const verdict = await judge.judge(request(401, false));
    assert.equal(verdict?.code, 'token_inactive');
  });

  it('an accepted exchange: nothing when the IdP agrees, accepted_inactive_token when it does not', async () => {
    assert.equal(await judgeAsking(true).judge.judge(request(200, true)), undefined);
    assert.equal((await judgeAsking(false).judge.judge(request(200, true)))?.code, 'accepted_inactive_token');
  });

  it('asks the IdP once per token within the time to live, again after it', async () => {
    const { judge, http } = judgeAsking(false, 1000);
    await judge.judge(request(401, false));
    await judge.judge(request(401, false));
    assert.equal(http.requests.length, 1);
    clock.advance(1001);
    await judge.judge(request(401, false));
    assert.equal(http.requests.length, 2);
  });

  it('without an IdP: a verdict from the token and the answer alone', async () => {
    const verdict = await createCaptureJudge({ clock }).judge(request(401, false));
    assert.ok(verdict);
    assert.notEqual(verdict.code, 'token_inactive');
  });
});
