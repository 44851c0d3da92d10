import type { HttpClient, HttpExchange } from '../../core/http/types';
import type { Settings } from './settings';

export type ClosableHttpClient = HttpClient & { close(): Promise<void> };

/** Builds an HTTP client from the settings; loads undici only when called. */
export async function createClient(
  settings: Settings,
  onExchange?: (exchange: HttpExchange) => void,
): Promise<ClosableHttpClient> {
  const { createHttpClient, timeoutBudget } = await import('../../core/http/client');
  const { readCaText } = await import('../../core/http/ca-file');
  const ca = settings.caFile ? await readCaText(settings.caFile, 'setting oidcFlow.caFile') : undefined;
  return createHttpClient({
    ca,
    proxy: settings.proxy,
    insecureSkipTlsVerify: settings.insecureSkipTlsVerify || undefined,
    // One budget for every phase and for the whole exchange, as the setting's description and the hints say.
    ...timeoutBudget(settings.timeoutMs),
    env: process.env,
    surface: 'vscode',
    onExchange,
  });
}
