/**
 * Verdicts for captured exchanges: the same path as `oidc-flow explain`
 * (the token as the diagnosis sees it, the local JWT check, the IdP's
 * introspection, then diagnose()), fed from what passed through the proxy.
 */
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { checkToken, gatewayKindOf, tokenInput } from '../diagnosis/check-token';
import type { IdpAnswer, LocalCheck } from '../diagnosis/check-token';
import { diagnose } from '../diagnosis/diagnose';
import type { DiagnosisInput, Verdict } from '../diagnosis/diagnose';
import type { JwtVerification } from '../jwt/verify';
import type { ConnectedIdp } from '../oauth/connect-idp';
import type { CaptureGateway, CaptureJudge, JudgeRequest } from './types';

export interface CaptureJudgeOptions {
  /** The IdP that issued the tokens (connected once, lazily); undefined: verdicts from the token and the answer alone. */
  idp?: () => Promise<Pick<ConnectedIdp, 'jwks' | 'ctx'> | undefined>;
  gateway?: CaptureGateway;
  clock?: Clock;
  /**
   * How long the IdP's answer about one token is reused, in ms (default 1000): a
   * burst of refusals with the same token asks the IdP once, and a revocation
   * shows within a second.
   */
  answerTtlMs?: number;
  /** Tokens whose answers are kept at most (default 1000). */
  maxAnswers?: number;
}

interface Checked {
  local: LocalCheck;
  idp: IdpAnswer;
  verification?: JwtVerification;
}

const BODY_SHOWN = 2000;

/** A judge that explains refusals as `explain` does. */
export function createCaptureJudge(options: CaptureJudgeOptions = {}): CaptureJudge {
  const clock = options.clock ?? systemClock;
  const ttl = options.answerTtlMs ?? 1000;
  const maxAnswers = options.maxAnswers ?? 1000;
  const gateway = options.gateway ?? {};
  const answers = new Map<string, { at: number; checked: Promise<Checked> }>();
  let idpPromise: Promise<Pick<ConnectedIdp, 'jwks' | 'ctx'> | undefined> | undefined;

  const connected = (): Promise<Pick<ConnectedIdp, 'jwks' | 'ctx'> | undefined> => {
    if (!options.idp) return Promise.resolve(undefined);
    // A failed connection is tried again on the next refusal (the IdP may come back).
    idpPromise ??= options.idp().catch((error: unknown) => {
      idpPromise = undefined;
      throw error;
    });
    return idpPromise;
  };

  const check = (token: string, decoded: Parameters<typeof checkToken>[1], idp: Pick<ConnectedIdp, 'jwks' | 'ctx'>) => {
    const now = clock.now();
    const known = answers.get(token);
    if (known && now - known.at < ttl) return known.checked;
    const leeway = typeof gateway.config?.leeway === 'number' ? gateway.config.leeway : undefined;
    const checked = checkToken(token, decoded, idp, leeway, clock);
    if (answers.size >= maxAnswers) answers.clear();
    answers.set(token, { at: now, checked });
    return checked;
  };

  return {
    async judge(request: JudgeRequest): Promise<Verdict | undefined> {
      const { exchange, found } = request;
      const response = exchange.response;
      if (!response) return undefined;
      const headers: Record<string, string> = {};
      for (const [name, value] of response.headers) {
        const key = name.toLowerCase();
        headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
      }
      const input: DiagnosisInput = {
        now: clock.now(),
        gateway: { status: response.status, headers, body: response.body.slice(0, BODY_SHOWN) },
        request: {
          tokenLocation: found ? found.source.in : 'none',
          ...(found?.scheme ? { authorizationScheme: found.scheme } : {}),
        },
        gatewayKind: gateway.kind ?? gatewayKindOf(gateway.config, headers),
        ...(gateway.profile ? { gatewayProfile: gateway.profile } : {}),
        ...(gateway.config ? { kongConfig: gateway.config } : {}),
        ...(gateway.expected ? { expected: gateway.expected } : {}),
      };
      if (found) {
        const parsed = tokenInput(found.token);
        input.token = parsed.input;
        const idp = await connected().catch(() => undefined);
        if (idp) {
          const checked = await check(found.token, parsed.decoded, idp);
          if (checked.verification) input.token.verification = checked.verification;
          if (checked.idp.state === 'answered') {
            input.introspection = { active: checked.idp.active, claims: checked.idp.claims };
            input.introspectedBy = { clientId: idp.ctx.client.clientId, issuer: idp.ctx.metadata.issuer };
          } else if (checked.idp.state === 'error')
            input.introspection = { error: { code: checked.idp.code, message: checked.idp.message } };
        }
      }
      const verdict = diagnose(input);
      // An accepted exchange is only worth a line when the check found something wrong.
      if (request.accepted && verdict.code === 'ok') return undefined;
      return verdict;
    },
  };
}
