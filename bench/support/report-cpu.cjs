// Preloaded (--require) into a child process by bench/cli-start.ts: prints the CPU time (user +
// system) the process used, at exit. Under load, wall time moves with other jobs; CPU time much less.
// After every 'exit' listener: the CLI writes its code cache in one (src/cli/code-cache.ts), and that
// time counts. process.exit() ends in process.reallyExit once the listeners ran; a process that ends
// by itself (node -e 0) only has the 'exit' event.
// Written straight to the descriptor: process.stderr, made for a pipe at exit, loads node:net and
// node:stream (about 4 ms), which `node -e 0`, timed to its exit, would pay and a command timed to its
// first byte would not, so every ratio against it read some 15% low.
const { writeSync } = require('node:fs');
let printed = false;
const print = () => {
  if (printed) return;
  printed = true;
  const { user, system } = process.cpuUsage();
  writeSync(2, `\ncpu-us ${user + system}\n`);
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
