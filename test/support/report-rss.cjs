// Preloaded (--require) into a CLI child process: prints its peak memory on exit, for memory-bound tests,
// and its CPU time (user + system, every thread), which a shared machine's load moves less than wall time.
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\nmaxRSS-KB ${usage.maxRSS} cpu-us ${usage.userCPUTime + usage.systemCPUTime}\n`);
});
