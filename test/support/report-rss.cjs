// Preloaded (--require) into a CLI child process: prints its peak memory on exit, for memory-bound tests.
process.on('exit', () => {
  process.stderr.write(`\nmaxRSS-KB ${process.resourceUsage().maxRSS}\n`);
});
