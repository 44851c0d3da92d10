// Mocha's spec reporter plus one plain closing line ("N passed, N failed,
// N skipped") that CI reads to know how many tests really ran.
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class PlainSummary extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const pending = [];
    runner.on(EVENT_TEST_PENDING, (test) => pending.push(test.fullTitle()));
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      for (const title of pending) process.stdout.write(`skipped: ${title}\n`);
      process.stdout.write(`tests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}
module.exports = PlainSummary;
