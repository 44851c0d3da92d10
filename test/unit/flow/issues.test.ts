import { strict as assert } from 'node:assert';
import { checkFlowFile, FlowFileError, loadFlowFile } from '../../../src/core/flow';
import { formatFlowFileIssues, issueLocation } from '../../../src/core/flow/issues';

const IDP = 'idps:\n  okta:\n    issuer: https://idp.example/oauth2/default\n    clientId: app\n';

function loadError(text: string, fileName: string): FlowFileError {
  try {
    loadFlowFile(text, { fileName });
  } catch (error) {
    assert.ok(error instanceof FlowFileError, `expected FlowFileError, got ${String(error)}`);
    return error;
  }
  return assert.fail('expected the flow file to be rejected');
}

describe('flow-file issues for a terminal', () => {
  it('lists every error as <file>:<line>: message, one per line, after a summary naming the file', () => {
    const text = `version: 1\n${IDP}    colour: blue\nflows:\n  f:\n    steps:\n      - { id: t, type: token, idp: okta, grant: client_credentials, paht: x }\n`;
    const error = loadError(text, 'flows/orders.yaml');
    const lines = formatFlowFileIssues(error.issues).split('\n');
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.equal(lines[0], 'flows/orders.yaml has 2 problems, on lines 6 and 10:');
    assert.match(
      lines[1]!,
      /^flows\/orders\.yaml:6: Unknown field 'colour' in idps\.okta\. The fields here are: description, issuer,.* \[flowfile\.schema\]$/,
    );
    assert.match(
      lines[2]!,
      /^flows\/orders\.yaml:10: Unknown field 'paht' in flows\.f\.steps\[0\]\..* \[flowfile\.schema\]$/,
    );
    assert.doesNotMatch(lines.join('\n'), /more problem|Line \d/);
  });

  it('keeps many problems readable: every one on its own line, the summary as a line range', () => {
    const fields = Array.from({ length: 8 }, (_, i) => `    extra${i}: x\n`).join('');
    const error = loadError(`version: 1\n${IDP}${fields}flows: {}\n`, 'big.yaml');
    const lines = formatFlowFileIssues(error.issues).split('\n');
    assert.equal(lines[0], 'big.yaml has 8 problems, on lines 6 to 13:');
    assert.deepEqual(
      lines.slice(1).map((line) => /^big\.yaml:(\d+): Unknown field 'extra\d'/.exec(line)?.[1]),
      ['6', '7', '8', '9', '10', '11', '12', '13'],
    );
  });

  it('says "1 problem, on line N" and marks warnings', () => {
    const one = loadError(`version: 1\nflows:\n  f:\n    steps:\n      - { id: a, type: nope }\n`, 'bad.yaml');
    assert.match(
      formatFlowFileIssues(one.issues),
      /^bad\.yaml has 1 problem, on line 5:\nbad\.yaml:5: flows\.f\.steps\[0\]\.type is 'nope'/,
    );
    const warning = {
      ...one.issues[0]!,
      severity: 'warning' as const,
      code: 'flowfile.warning' as const,
      message: 'Something odd.',
      hint: undefined,
      where: 'bad.yaml:2:3',
    };
    assert.match(
      formatFlowFileIssues([...one.issues, warning]),
      /\nbad\.yaml:2: warning: Something odd\. \[flowfile\.warning\]$/,
    );
  });

  it('gives "file:line" without the column, also for Windows paths', () => {
    const [issue] = checkFlowFile('version: 1\nflows: 3\n', { fileName: 'C:\\flows\\a.yaml' }).issues;
    assert.ok(issue);
    assert.equal(issueLocation(issue), 'C:\\flows\\a.yaml:2');
  });
});
