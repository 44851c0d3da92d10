import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepDef } from '../../../src/core/flow/file-format';
import { loadFlowFile } from '../../../src/core/flow/load';
import type { ImportResult } from '../../../src/core/importers';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'importers');

/** The text of a fixture under test/fixtures/importers. */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Asserts the YAML loads with the real loader and gives back the same data as `result.file`. */
export function assertLoads(result: ImportResult): void {
  const loaded = loadFlowFile(result.yaml, { fileName: 'imported.yaml' });
  assert.deepEqual(loaded.file, JSON.parse(JSON.stringify(result.file)));
}

/** The steps of the only flow. */
export function stepsOf(result: ImportResult): StepDef[] {
  const flows = Object.values(result.file.flows ?? {});
  assert.equal(flows.length, 1);
  return flows[0]!.steps;
}

export function step<T extends StepDef['type']>(
  result: ImportResult,
  id: string,
  type: T,
): Extract<StepDef, { type: T }> {
  const found = stepsOf(result).find((s) => s.id === id);
  assert.ok(
    found,
    `no step ${id}; steps: ${stepsOf(result)
      .map((s) => s.id)
      .join(', ')}`,
  );
  assert.equal(found.type, type);
  return found as Extract<StepDef, { type: T }>;
}

/** Asserts none of the values appears in the YAML, the reports or the secrets list. */
export function assertNoLeak(result: ImportResult, values: string[]): void {
  const everything = [
    result.yaml,
    JSON.stringify(result.notCarried),
    JSON.stringify(result.secrets),
    JSON.stringify(result.file),
  ].join('\n');
  for (const value of values) assert.ok(!everything.includes(value), `secret value leaked: ${value.slice(0, 4)}…`);
}

/** A minimal Insomnia v4 export around the given resources (a workspace wrk_1 is added). */
export function insomniaV4(resources: Array<Record<string, unknown>>, name = 'Test'): string {
  return JSON.stringify({
    _type: 'export',
    __export_format: 4,
    resources: [{ _id: 'wrk_1', _type: 'workspace', parentId: null, name }, ...resources],
  });
}

/** An Insomnia v4 request resource with defaults. */
export function insomniaRequest(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    _id: id,
    _type: 'request',
    parentId: 'wrk_1',
    method: 'GET',
    headers: [],
    parameters: [],
    body: {},
    authentication: {},
    ...fields,
  };
}

/** A minimal Postman v2.1 collection. */
export function postman(collection: Record<string, unknown>): string {
  return JSON.stringify({
    info: { name: 'Test', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: [],
    ...collection,
  });
}
