import { Document } from 'yaml';
import type { FlowFile } from '../flow/file-format';
import type { NotCarried, SecretUse, SourceFormat } from './types';

/**
 * Renders an imported flow file as YAML with a header that says where it
 * came from, which environment variables to set, and what was left behind,
 * so the file explains itself when opened later.
 */

export interface RenderInfo {
  fileName: string;
  format: SourceFormat;
  collectionName: string;
  notCarried: NotCarried[];
  secrets: SecretUse[];
}

/** The header line above the variables to set; the extension replaces it (it stores secrets instead). */
export const VARIABLES_HEADING =
  'Secrets were not copied. Set these environment variables before running (the flow reads these and no others):';

/** One comment line: no line breaks may escape the comment. */
function line(text: string): string {
  return ` ${text.replace(/[\r\n]+/g, ' ')}`;
}

function header(info: RenderInfo): string {
  const lines = [
    line(`Imported by "oidc-flow import" from ${info.fileName} (${info.format} export "${info.collectionName}").`),
    line('Review it before running: importers carry requests, auth and chaining, not scripts.'),
  ];
  if (info.secrets.length > 0) {
    lines.push('', line(VARIABLES_HEADING));
    const width = Math.max(...info.secrets.map((s) => s.name.length));
    for (const s of info.secrets) lines.push(line(`  ${s.name.padEnd(width)}  ${s.where}`));
  }
  if (info.notCarried.length > 0) {
    lines.push('', line(`Not carried over (${info.notCarried.length}):`));
    for (const n of info.notCarried) lines.push(line(`  - ${n.item}: ${n.reason}`));
  }
  return lines.join('\n');
}

/** The flow file as YAML text, header comment first. */
export function renderImportedYaml(file: FlowFile, info: RenderInfo): string {
  const doc = new Document(file);
  doc.commentBefore = header(info);
  return doc.toString({ lineWidth: 0 });
}
