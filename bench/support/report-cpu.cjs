// Preloaded (--require) into a child process by bench/cli-start.ts: prints the CPU time (user +
// system) the process used, at exit. Under load, wall time moves with other jobs; CPU time much less.
// After every 'exit' listener: the CLI writes its code cache in one (src/cli/code-cache.ts), and that
// time counts. process.exit() ends in process.reallyExit once the listeners ran; a process that ends
// by itself (node -e 0) only has the 'exit' event.
let printed = false;
const print = () => {
  if (printed) return;
  printed = true;
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\ncpu-us ${user + system}\n`);
};
let exiting = false;
const exit = process.exit;
process.exit = function (...args) {
  exiting = true;
  return exit.apply(this, args);
};
const reallyExit = process.reallyExit;
process.reallyExit = function (...args) {
  print();
  return reallyExit.apply(this, args);
};
process.on('exit', () => {
  if (!exiting) print();
});
