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
  };
}
