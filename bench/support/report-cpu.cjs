// Preloaded (--require) into a child process by bench/cli-start.ts: prints the CPU time (user +
// system) the process used, at exit. Under load, wall time moves with other jobs; CPU time much less.
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\ncpu-us ${user + system}\n`);
});
