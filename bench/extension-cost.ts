/**
 * What the extension costs inside code-server's extension host: time in `activate` (the line
 * "Activated in N ms." the extension writes to its log), time from the workbench showing to the
 * OIDC Flow views listing the workspace's flow, whether activation opened any network connection,
 * and the sizes of the VSIX and the bundles.
 * Goal: activation under 20 ms, VSIX under 1 MB, no network at activation.
 *
 *   npm run package && node --import tsx bench/extension-cost.ts   (3 starts; BENCH_QUICK=1 runs 1)
 *
 * Needs code-server (scripts/install-code-server.sh) and Chromium; says so when either is missing.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumUnavailable, openWorkbench } from '../test/e2e/support/browser';
import { codeServerUnavailable, productVsixPath, REPO_ROOT, startCodeServer } from '../test/e2e/support/code-server';
import { openOidcFlowSidebar, viewRows } from '../test/e2e/support/oidc-flow-ui';

const QUICK = process.env.BENCH_QUICK === '1';
const STARTS = Number(process.env.STARTS ?? (QUICK ? 1 : 3));
const KB = 1024;
// The installed extension's folder is named <publisher>.<name>-<version>; the code-server cache path has the name too.
const PKG = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; publisher: string };
const EXTENSION_DIR_MARK = `/${PKG.publisher}.${PKG.name}-`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Every file under `dir` whose name ends with `suffix`. */
function findFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .map((name) => join(dir, name));
}

/**
 * A preload for every Node process code-server starts (NODE_OPTIONS): records each outgoing
 * connection (TCP and TLS, and DNS lookups) whose stack passes through the installed extension.
 * Connections of VS Code itself are not ours to count.
 */
function networkProbe(dir: string, logFile: string): string {
  const file = join(dir, 'net-probe.cjs');
  writeFileSync(
    file,
    `const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');
const record = (what) => {
  const stack = new Error().stack || '';
  if (stack.includes(${JSON.stringify(EXTENSION_DIR_MARK)})) fs.appendFileSync(${JSON.stringify(logFile)}, what + '\\n' + stack + '\\n\\n');
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  if (!(first && typeof first === 'object' && first.path) && typeof first !== 'string') record('connect ' + JSON.stringify(first && first.port !== undefined ? { host: first.host, port: first.port } : first));
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) { record('dns.lookup ' + host); return lookup.call(this, host, ...rest); };
`,
  );
  return file;
}

async function sizes(): Promise<void> {
  const out = process.stdout;
  const vsix = productVsixPath();
  if (existsSync(vsix)) {
    const size = statSync(vsix).size;
    out.write(`VSIX ${(size / KB).toFixed(0)} KB (${vsix.split('/').pop()}; goal under 1024 KB)\n`);
  } else out.write(`VSIX: ${vsix} is missing: run \`npm run package\` first\n`);
  const dist = join(REPO_ROOT, 'dist');
  const bundles = findFiles(dist, '.js').filter((file) => !file.includes('/probe'));
  if (bundles.length === 0) out.write('bundles: dist/ has no .js: run `npm run build` or `npm run package` first\n');
  for (const file of bundles.sort())
    out.write(`  ${file.slice(REPO_ROOT.length + 1)} ${(statSync(file).size / KB).toFixed(0)} KB\n`);
  // What activation loads is dist/extension.js alone: the protocol code sits in dist/lazy.js, loaded when a view
  // or command first needs it (esbuild.config.mjs checks that graph on every build).
}

async function main(): Promise<void> {
  const out = process.stdout;
  await sizes();
  const missing = codeServerUnavailable() ?? chromiumUnavailable();
  if (missing) {
    out.write(`activation: not measured: ${missing}\n`);
    process.exitCode = 1;
    return;
  }
  if (!existsSync(productVsixPath())) {
    process.exitCode = 1;
    return;
  }
  const activation: number[] = [];
  const viewsReady: number[] = [];
  const network: string[] = [];
  for (let start = 0; start < STARTS; start += 1) {
    const scratch = mkdtempSync(join(tmpdir(), 'oidc-extension-cost-'));
    const folder = join(scratch, 'workspace');
    const netLog = join(scratch, 'net.log');
    try {
      // A workspace with a flow file, so workspaceContains activates the extension as a user's would.
      mkdirSync(folder);
      writeFileSync(
        join(folder, 'orders.oidc-flow.yaml'),
        'version: 1\nflows:\n  orders:\n    steps:\n      - { id: ping, type: request, url: "http://127.0.0.1:9/never-called" }\n',
      );
      const probe = networkProbe(scratch, netLog);
      const server = await startCodeServer({
        vsixPaths: [productVsixPath()],
        folder,
        env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probe}`.trim() },
      });
      try {
        const workbench = await openWorkbench(server.workbenchUrl);
        try {
          const shown = performance.now();
          await openOidcFlowSidebar(workbench.page);
          await viewRows(workbench.page, 'Flows').first().waitFor({ state: 'visible', timeout: 60_000 });
          viewsReady.push(performance.now() - shown);
          // The extension's own log line; VS Code writes output channels under the user data folder.
          const deadline = Date.now() + 30_000;
          let activated: number | undefined;
          while (activated === undefined && Date.now() < deadline) {
            for (const file of findFiles(server.userDataDir, 'OIDC Flow.log')) {
              const match = /Activated in ([\d.]+) ms/.exec(readFileSync(file, 'utf8'));
              if (match) activated = Number(match[1]);
            }
            if (activated === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
          }
          if (activated === undefined) throw new Error('the extension log has no "Activated in" line');
          activation.push(activated);
          if (existsSync(netLog)) network.push(readFileSync(netLog, 'utf8'));
        } finally {
          await workbench.close();
        }
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  out.write(
    `activation (code-server, ${STARTS} start${STARTS === 1 ? '' : 's'}, median): ${median(activation).toFixed(1)} ms in activate ` +
      `(all: ${activation.map((v) => v.toFixed(1)).join(', ')}; goal under 20 ms); ` +
      `views listing the flow ${median(viewsReady).toFixed(0)} ms after the workbench showed\n`,
  );
  out.write(
    network.length === 0
      ? 'network at activation and first view: none (no connection or DNS lookup from the extension)\n'
      : `network from the extension: ${network.join('\n')}\n`,
  );
  if (network.length > 0) process.exitCode = 1;
}

void main().catch((error: unknown) => {
  process.stderr.write(`extension-cost bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
