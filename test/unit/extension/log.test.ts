import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { RedactedLog } from '../../../src/extension/services/log';

describe('the extension log', () => {
  it('masks secrets and shows control characters from outside data as escapes', () => {
    const lines: string[] = [];
    const channel = { info: (line: string) => lines.push(line) } as unknown as vscode.LogOutputChannel;
    new RedactedLog(channel).info('server said \u001b[2J\u001b]0;pwned\u0007 for secret-value-123456', [
      'secret-value-123456',
    ]);
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    assert.match(lines[0]!, /\\u001b\[2J\\u001b\]0;pwned\\u0007/);
    assert.doesNotMatch(lines[0]!, /secret-value-123456/);
  });
});
