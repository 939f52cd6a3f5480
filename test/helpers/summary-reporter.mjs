// Prints the plain closing line 'N passed, N failed, N skipped' after vitest's own summary, so that tools which read
// a run's last line (CI among them) see the count without parsing vitest's coloured output.
export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) count.failed++; // a file that failed to load
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') count.failed++;
        else count.skipped++;
      }
    }
    count.failed += unhandledErrors.length;
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
