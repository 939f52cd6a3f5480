// The test suite: one file at a time in its own child process (the native addon, ONNX Runtime's thread pool and
// OpenCV's are process-wide, and the CI machine has 2 cores), long timeouts for the golden suites.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.mjs'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    reporters: ['default', './test/helpers/summary-reporter.mjs'],
    // The built library is loaded by Node itself, exactly as users load it (its ESM entry re-exports the CJS build).
    server: { deps: { external: [/\/dist\//] } },
  },
});
