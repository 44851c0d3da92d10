/**
 * `oidc-flow completion bash|zsh|fish`: each script is run in its real shell (bash, zsh, fish must be
 * installed: apt-get install zsh fish), completing commands, a command's options and the names in a
 * flow file, which reach the shell as plain words, never evaluated.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_NAMES, runCli } from '../../../src/cli/cli';
import { COMMAND_OPTIONS } from '../../../src/cli/command-options';
import { captureIo } from '../../support/capture-io';

const root = join(__dirname, '..', '..', '..');
const cli = join(root, 'dist', 'cli.js');
const example = 'examples/introspection-scenario.yaml';

function shell(name: string, script: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0)
    throw new Error(`${name} is not installed: the ${name} completion cannot be tried (apt-get install ${name}).`);
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does)`);
  const result = spawnSync(name, ['-c', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, `${name} failed: ${result.stderr}`);
  return result.stdout;
}

async function script(shellName: string): Promise<string> {
  const c = captureIo();
  assert.equal(await runCli(['completion', shellName], c.io), 0, c.err());
  return c.out();
}

describe('oidc-flow completion', function () {
  this.timeout(60_000);
  let dir: string;
  let hostile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-completion-'));
    hostile = join(dir, 'hostile.yaml');
    // Names a shell would run or split if it evaluated them: left out, and never executed.
    writeFileSync(
      hostile,
      `version: 1\nflows:\n  "$(touch ${dir}/pwned)":\n    steps: []\n  "a b":\n    steps: []\n  "\`touch ${dir}/pwned2\`":\n    steps: []\n  ok-flow:\n    steps: []\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const oidcFlow = `oidc-flow() { node ${JSON.stringify(cli)} "$@"; }`;

  it('bash: commands, the options of run, and flow, environment and IdP names from the file given', async () => {
    writeFileSync(join(dir, 'c.bash'), await script('bash'));
    const out = shell(
      'bash',
      `${oidcFlow}
source ${JSON.stringify(join(dir, 'c.bash'))}
t() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _oidc_flow; printf '[%s]\\n' "\${COMPREPLY[@]}"; echo --; }
t oidc-flow ru
t oidc-flow run --re
t oidc-flow run ${example} --flow ''
t oidc-flow run ${example} --reporter json --env ''
t oidc-flow token --file ${example} --idp ''
t oidc-flow token --file=${example} --env s
t oidc-flow completion ''
t oidc-flow run ${JSON.stringify(hostile)} --flow ''
complete -p oidc-flow`,
    );
    const [commands, runOptions, flows, envs, idps, envPrefix, shells, hostileFlows, registered] = out.split('--\n');
    assert.equal(commands, '[run]\n');
    assert.equal(runOptions, '[--reporter]\n[--reveal-secrets]\n');
    assert.equal(flows, '[introspection-scenario]\n');
    assert.equal(envs, '[okta]\n[sandbox]\n');
    assert.equal(idps, '[okta]\n[kong]\n');
    assert.equal(envPrefix, '[sandbox]\n');
    assert.equal(shells, '[bash]\n[zsh]\n[fish]\n');
    assert.equal(hostileFlows, '[ok-flow]\n');
    assert.match(registered!, /complete -o default -F _oidc_flow oidc-flow/);
    assert.ok(!existsSync(join(dir, 'pwned')) && !existsSync(join(dir, 'pwned2')), 'a flow name was executed');
  });

  it('zsh: the same through compadd and _describe', async () => {
    writeFileSync(join(dir, 'c.zsh'), await script('zsh'));
    // compsys needs an interactive line editor: its functions are stood in for, printing what they get.
    const out = shell(
      'zsh',
      `${oidcFlow}
compdef() { print -r -- "compdef $*"; }
compadd() { print -r -- "compadd $*"; }
_describe() { print -r -- "describe \${#\${(P)2}}"; }
_files() { print files; }
source ${JSON.stringify(join(dir, 'c.zsh'))}
t() { words=("$@"); CURRENT=$#; _oidc_flow; }
t oidc-flow ''
t oidc-flow run --re
t oidc-flow run ${example} --flow ''
t oidc-flow token --file=${example} --idp ''
t oidc-flow run --output ''
t oidc-flow run ${JSON.stringify(hostile)} --flow ''`,
    );
    const lines = out.trim().split('\n');
    assert.equal(lines[0], 'compdef _oidc_flow oidc-flow');
    assert.equal(lines[1], `describe ${COMMAND_NAMES.filter((n) => !n.startsWith('_')).length + 1}`);
    const run = Object.entries(COMMAND_OPTIONS.run!);
    const shorts = run.flatMap(([, spec]) => (spec.short ? [`-${spec.short}`] : []));
    assert.equal(lines[2], `compadd -- ${[...run.map(([o]) => `--${o}`), ...shorts].join(' ')}`);
    assert.equal(lines[3], 'compadd -- introspection-scenario');
    assert.equal(lines[4], 'compadd -- okta kong');
    assert.equal(lines[5], 'files');
    assert.equal(lines[6], 'compadd -- ok-flow');
    assert.ok(!existsSync(join(dir, 'pwned')) && !existsSync(join(dir, 'pwned2')), 'a flow name was executed');
  });

  it('fish: the same through complete -C', async () => {
    writeFileSync(join(dir, 'c.fish'), await script('fish'));
    const out = shell(
      'fish',
      `function oidc-flow; node ${JSON.stringify(cli)} $argv; end
source ${JSON.stringify(join(dir, 'c.fish'))}
complete -C 'oidc-flow ru'; echo ==
complete -C 'oidc-flow run --re'; echo ==
complete -C 'oidc-flow run ${example} --flow '; echo ==
complete -C 'oidc-flow token --file ${example} --idp '; echo ==
complete -C 'oidc-flow import -'; echo ==
complete -C 'oidc-flow run ${hostile} --flow '`,
    );
    const [commands, runOptions, flows, idps, importOptions, hostileFlows] = out.split('==\n');
    assert.equal(commands, 'run\tRun a flow from a flow file and explain every rejection\n');
    assert.equal(runOptions, '--reporter\n--reveal-secrets\n');
    assert.equal(flows, 'introspection-scenario\n');
    assert.deepEqual(idps!.trim().split('\n').sort(), ['kong', 'okta']);
    assert.deepEqual(importOptions!.trim().split('\n').sort(), ['--environment', '--force', '--output', '-e', '-o']);
    assert.equal(hostileFlows, 'ok-flow\n');
  });

  it("lists every visible command and each one's parser options, and not the hidden __complete", async () => {
    const bash = await script('bash');
    for (const name of COMMAND_NAMES.filter((n) => !n.startsWith('_'))) {
      const block = new RegExp(`\\n    ${name}\\)\\n      opts='([^']*)'`).exec(bash);
      assert.ok(block, `no case for ${name}`);
      const listed = block[1]!.split(' ').filter((o) => o.startsWith('--'));
      assert.deepEqual(
        listed,
        Object.keys(COMMAND_OPTIONS[name] ?? {}).map((o) => `--${o}`),
        name,
      );
    }
    assert.doesNotMatch(bash, /__complete\)/);
    const help = captureIo();
    await runCli(['help'], help.io);
    assert.match(help.out(), /completion +Print a shell completion script/);
    assert.doesNotMatch(help.out(), /__complete/);
  });

  it('an unknown or missing shell exits 2 naming the shells', async () => {
    for (const args of [['completion', 'tcsh'], ['completion']]) {
      const c = captureIo();
      assert.equal(await runCli(args, c.io), 2);
      assert.match(c.err(), /bash\|zsh\|fish|bash, zsh, fish/);
      assert.equal(c.out(), '');
    }
  });

  it('__complete says nothing for a missing, endless or invalid file, and lists steps and routes', async () => {
    for (const file of [join(dir, 'missing.yaml'), '/dev/zero', join(root, 'package.json')]) {
      const c = captureIo();
      assert.equal(await runCli(['__complete', 'flows', file], c.io), 0);
      assert.equal(c.out() + c.err(), '', file);
    }
    const steps = captureIo();
    assert.equal(await runCli(['__complete', 'steps', join(root, example)], steps.io), 0);
    assert.ok(steps.out().split('\n').length > 2, steps.out());
    const routes = captureIo();
    assert.equal(await runCli(['__complete', 'routes', join(root, example)], routes.io), 0);
    assert.notEqual(routes.out(), '');
  });
});
