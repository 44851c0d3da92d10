import { readFile } from 'node:fs/promises';
import type { HttpClient, HttpExchange } from '../../core/http/types';
import type { Settings } from './settings';

export type ClosableHttpClient = HttpClient & { close(): Promise<void> };

/** Builds an HTTP client from the settings; loads undici only when called. */
export async function createClient(settings: Settings, onExchange?: (exchange: HttpExchange) => void): Promise<ClosableHttpClient> {
  const { createHttpClient } = await import('../../core/http/client');
  const { OidcError } = await import('../../core/errors');
  let ca: string | undefined;
  if (settings.caFile) {
    try {
      ca = await readFile(settings.caFile, 'utf8');
    } catch (error) {
      throw new OidcError('config.ca_file', `Cannot read the CA file ${settings.caFile} (setting oidcFlow.caFile): ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, {
        hint: 'Fix the path in the oidcFlow.caFile setting, or clear it to trust only the system CAs.',
      });
    }
  }
  return createHttpClient({
    ca,
    proxy: settings.proxy,
    insecureSkipTlsVerify: settings.insecureSkipTlsVerify || undefined,
    // One budget for every phase, as the setting's description and the hints say.
    connectTimeout: settings.timeoutMs,
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
    env: process.env,
    surface: 'vscode',
    onExchange,
  });
}
