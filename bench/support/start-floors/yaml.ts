import { readFileSync } from 'node:fs';
import { Document, LineCounter, parseDocument } from 'yaml';

/** What `validate`, `run` and the decK commands ask of yaml: the options of src/core/untrusted-input.ts. */
export function parseFile(file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false, uniqueKeys: false });
  return doc.toJS({ maxAliasCount: 100 });
}

/**
 * What `import` asks of yaml and the file system: read its input (JSON), and render the flow file
 * it made (given here as JSON, taken from the CLI's own output) as src/core/importers/render-yaml.ts does.
 */
export function renderFile(input: string, flowJson: string): string {
  JSON.parse(readFileSync(input, 'utf8'));
  return new Document(JSON.parse(readFileSync(flowJson, 'utf8'))).toString({ lineWidth: 0 });
}
