// Prints the plain closing line 'N passed, N failed, N skipped' after vitest's own summary, so that tools which read
// a run's last line (CI among them) see the count without parsing vitest's coloured output.
export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') failedTests++;
        else count.skipped++;
      }
      // A file can fail with no failed test: it did not load, or a beforeAll / afterAll hook threw.
      count.failed += failedTests || (module.state() === 'failed' ? 1 : 0);
    }
    count.failed += unhandledErrors.length;
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
