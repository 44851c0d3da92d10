import { strict as assert } from 'node:assert';
import { runCli } from '../../../src/cli/cli';
import { fitHelp } from '../../../src/cli/help-wrap';
import { runHelp } from '../../../src/cli/commands/run';

describe('help that fits the terminal (issue #15)', () => {
  it('folds every line of every help to the width, options under their description column', () => {
    const folded = fitHelp(runHelp, 80);
    for (const line of folded.split('\n')) assert.ok(line.length <= 79, `${line.length}: ${line}`);
    // The words are all still there, in order.
    assert.equal(folded.split(/\s+/).join(' '), runHelp.split(/\s+/).join(' '));
    const lines = folded.split('\n');
    const reveal = lines.findIndex((l) => l.startsWith('  --reveal-secrets'));
    const column = lines[reveal]!.indexOf('show');
    assert.ok(column > 10);
    assert.match(lines[reveal + 1]!, new RegExp(`^ {${column}}\\S`), 'the continuation sits under the description');
    // The usage line's continuation sits after "Usage: oidc-flow run ".
    assert.match(lines[1]!, /^ {21}\S/);
  });

  it('leaves help as written when the width is unknown, and never folds narrower than 40', () => {
    assert.equal(fitHelp(runHelp, undefined), runHelp);
    assert.equal(fitHelp('short\n', 80), 'short\n');
    // At 40 columns a long word (a ${env:…} reference) stands alone on its line rather than being cut.
    for (const line of fitHelp(runHelp, 10).split('\n'))
      assert.ok(line.length <= 40 || !line.trim().includes(' '), line);
  });

  async function help(args: string[], stdout: { isTTY?: boolean; columns?: number }): Promise<string> {
    let out = '';
    const code = await runCli(args, {
      stdout: { ...stdout, write: (t: string) => (out += t) },
      stderr: { write: () => true },
      env: {},
    });
    assert.equal(code, 0);
    return out;
  }

  it('folds on a terminal, and writes help as it is when piped', async () => {
    const onTerminal = await help(['run', '--help'], { isTTY: true, columns: 72 });
    assert.ok(onTerminal.split('\n').every((l) => l.length <= 71));
    assert.equal(await help(['run', '--help'], { isTTY: false, columns: 72 }), runHelp);
    const main = await help(['help'], { isTTY: true, columns: 60 });
    assert.ok(main.split('\n').every((l) => l.length <= 59));
  });
});
