/**
 * The core's capture proxy (src/core/capture) behind the extension's
 * CaptureSession: records become CapturedExchanges, a verdict arriving later
 * becomes an onVerdict event, and verdicts come from the explain path
 * (createCaptureJudge) with the IdP the person chose. Loaded only when a
 * capture starts.
 */
import { createCaptureJudge, isLoopbackHost, startCapture as startCoreCapture } from '../../core/capture';
import type { CaptureGateway, CaptureRecord } from '../../core/capture';
import { Emitter } from '../../core/emitter';
import type { KongOidcConfig } from '../../core/gateway/kong-oidc-config';
import type { Verdict } from '../../core/diagnosis/diagnose';
import type { CapturedExchange, CaptureSession, StartCapture } from './capture-api';

function captured(record: CaptureRecord): CapturedExchange {
  return {
    id: record.id,
    exchange: record.exchange,
    ...(record.token ? { token: record.token } : {}),
    ...(record.verdict.state === 'done' ? { verdict: record.verdict.verdict } : {}),
  };
}

export const startCapture: StartCapture = async (options) => {
  const gateway: CaptureGateway | undefined = options.gateway
    ? {
        ...(options.gateway.kind ? { kind: options.gateway.kind } : {}),
        ...(options.gateway.plugin ? { plugin: options.gateway.plugin } : {}),
        ...(options.gateway.config ? { config: options.gateway.config as KongOidcConfig } : {}),
      }
    : undefined;
  const core = await startCoreCapture(
    {
      target: options.target,
      host: options.host,
      port: options.port,
      // The command asked the person (a modal) before naming any other address.
      allowRemote: !isLoopbackHost(options.host),
      maxExchanges: options.ring,
      // The 502 it answers for an unreachable target then names VS Code's settings, not the CLI's flags.
      surface: 'vscode',
      ...(gateway ? { gateway } : {}),
      ...(options.ca || options.insecureSkipTlsVerify
        ? { tls: { ...(options.ca ? { ca: options.ca } : {}), insecureSkipTlsVerify: options.insecureSkipTlsVerify } }
        : {}),
    },
    { judge: createCaptureJudge({ ...(options.idp ? { idp: options.idp } : {}), ...(gateway ? { gateway } : {}) }) },
  );
  const exchanges = new Emitter<CapturedExchange>();
  const verdicts = new Emitter<{ id: string; verdict: Verdict } | { id: string; skipped: string }>();
  const subscriptions = [
    core.onExchange((record) => exchanges.fire(captured(record))),
    core.onVerdict((record) => {
      if (record.verdict.state === 'done') verdicts.fire({ id: record.id, verdict: record.verdict.verdict });
      else if (record.verdict.state === 'skipped') verdicts.fire({ id: record.id, skipped: record.verdict.reason });
    }),
  ];
  const session: CaptureSession = {
    host: core.host,
    port: core.port,
    target: core.target,
    onExchange: exchanges.event,
    onVerdict: verdicts.event,
    stop: async () => {
      for (const subscription of subscriptions) subscription.dispose();
      exchanges.dispose();
      verdicts.dispose();
      await core.close();
    },
  };
  return session;
};
