/** The capture proxy: an application's real traffic to its gateway, each refusal explained. */
export { startCapture, parseTarget, isLoopbackHost, DEFAULT_MAX_EXCHANGES, PROXY_ERROR_HEADER } from './proxy';
export { createCaptureJudge } from './judge';
export type { CaptureJudgeOptions } from './judge';
export { findToken, DEFAULT_TOKEN_SOURCES } from './find-token';
export type { FoundToken, TokenCarrier } from './find-token';
export { tokenFacts } from './token-facts';
export type { CapturedToken } from './token-facts';
export { Ring } from './ring';
export type { CaptureErrorCode } from './error-codes';
export type {
  CaptureDeps,
  CaptureGateway,
  CaptureJudge,
  CaptureOptions,
  CaptureRecord,
  CaptureSession,
  CaptureStats,
  JudgeRequest,
  VerdictState,
} from './types';
