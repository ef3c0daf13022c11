// CommonJS (.cts): mocha loads a reporter given by path with require().
import Mocha = require('mocha');

/**
 * Mocha's spec reporter, and then one line to grep for: passing, failing, pending and the
 * seconds the run took (parallel or not).
 */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const started = performance.now();
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = this.stats;
      const seconds = Math.round((performance.now() - started) / 1000);
      process.stdout.write(`\ntests: ${passes} passing, ${failures} failing, ${pending} pending, ${seconds} s\n`);
    });
  }
}

export = SummaryReporter;
