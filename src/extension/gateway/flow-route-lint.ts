/**
 * Lint findings for the routes of flow files and the sandbox: each route's
 * `gateway.config` (kind kong) through the same lint as a real gateway's
 * plugins, offline. The lint is imported on first use. No vscode import.
 */
import type { LintFinding } from '../../core/gateway/lint';
import type { FlowSource } from '../workspace/source-model';
import { entryId } from '../workspace/source-model';

/** Findings per route entry id (routes without a Kong config have none). */
export async function lintFlowRoutes(sources: readonly FlowSource[]): Promise<Map<string, LintFinding[]>> {
  const out = new Map<string, LintFinding[]>();
  const kong = sources.flatMap((source) =>
    Object.entries(source.file?.routes ?? {})
      .filter(([, route]) => route.gateway?.kind === 'kong' && route.gateway.config)
      .map(([name, route]) => ({
        id: entryId.route(source.id, name),
        config: route.gateway!.config!,
        fromFile: source.kind === 'file',
      })),
  );
  if (kong.length === 0) return out;
  const { lintKongOidc } = await import('../../core/gateway/lint');
  for (const route of kong) {
    // A flow file describes only the fields it cares about: left-out fields are unknown, not Kong's defaults.
    out.set(route.id, lintKongOidc(route.config, { fromFile: route.fromFile, partial: true }));
  }
  return out;
}
