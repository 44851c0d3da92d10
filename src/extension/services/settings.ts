import type * as vscode from 'vscode';

/** The extension's settings (`oidcFlow.*`). Secrets never live here. */
export interface Settings {
  caFile?: string;
  proxy?: string;
  timeoutMs: number;
  insecureSkipTlsVerify: boolean;
  /** `allowReveal`: reveal and "include secrets" after a confirmation; `always`: never show secrets. */
  redaction: 'allowReveal' | 'always';
  historySize: number;
  /** How many exchanges the Capture view keeps (`oidcFlow.capture.size`): the capture's memory bound. */
  captureSize: number;
  /** Gateway error logs to read after a refused call (`oidcFlow.gatewayLogs`), valid entries only. */
  gatewayLogs: GatewayLogSetting[];
  /** Environment variables every flow may read without asking (`oidcFlow.allowedEnvironmentVariables`, user level only). */
  allowedEnvironmentVariables: string[];
}

/** One entry of `oidcFlow.gatewayLogs`: which routes it is for, the file and its clock. */
export interface GatewayLogSetting {
  /** A flow-file route name. */
  route?: string;
  /** A gateway kind (kong, apache, other) or the start of the routes' base URL (http://localhost:8000). */
  gateway?: string;
  file: string;
  utcOffsetMinutes?: number;
}

/** The usable entries of `oidcFlow.gatewayLogs`; anything else (no file, a nonsense offset) is left out. */
export function gatewayLogSettings(value: unknown): GatewayLogSetting[] {
  if (!Array.isArray(value)) return [];
  const out: GatewayLogSetting[] = [];
  for (const item of value as unknown[]) {
    if (item === null || typeof item !== 'object') continue;
    const { route, gateway, file, utcOffsetMinutes } = item as Record<string, unknown>;
    if (typeof file !== 'string' || file.trim() === '') continue;
    if (
      utcOffsetMinutes !== undefined &&
      (typeof utcOffsetMinutes !== 'number' || !Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 840)
    )
      continue;
    out.push({
      ...(typeof route === 'string' && route.trim() ? { route: route.trim() } : {}),
      ...(typeof gateway === 'string' && gateway.trim() ? { gateway: gateway.trim() } : {}),
      file: file.trim(),
      ...(utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes }),
    });
  }
  return out;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The valid variable names of a list setting. */
export function environmentNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((name): name is string => typeof name === 'string' && ENV_NAME.test(name));
}

/** Reads the current settings. */
export function readSettings(vs: typeof vscode): Settings {
  const config = vs.workspace.getConfiguration('oidcFlow');
  const text = (key: string) => {
    const value = config.get<string>(key)?.trim();
    return value ? value : undefined;
  };
  const timeout = config.get<number>('timeoutMs') ?? 30_000;
  return {
    caFile: text('caFile'),
    proxy: text('proxy'),
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 30_000,
    insecureSkipTlsVerify: config.get<boolean>('insecureSkipTlsVerify') === true,
    redaction: config.get<string>('redaction') === 'always' ? 'always' : 'allowReveal',
    historySize: Math.max(1, Math.min(200, config.get<number>('history.size') ?? 25)),
    captureSize: Math.max(10, Math.min(2000, Math.floor(config.get<number>('capture.size') ?? 200) || 200)),
    gatewayLogs: gatewayLogSettings(config.get<unknown>('gatewayLogs')),
    // The user's own value only: the setting's scope keeps workspaces out, and this keeps them out if it is ever widened.
    allowedEnvironmentVariables: environmentNames(config.inspect<unknown>('allowedEnvironmentVariables')?.globalValue),
  };
}
