// The golden parity tests of every task, defined in one place (kept apart from golden.mjs, which the benchmarks
// import too, so that they do not load the test runner).
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MODELS, describeFailures, listGoldens, readGolden, runGoldens } from './golden.mjs';

/** Variant filter: the square variants run at 640 (what a static 640x640 export can serve). */
export const square640 = (folder) => (v) => v.endsWith('-square') && readGolden(listGoldens(folder, v)[0]).args.imgsz_requested === 640;

/**
 * One describe block per model file, one test per variant: every golden of the variant must match. suites:
 * [{ golden, model (path under MODELS), variants, head (optional: the output layout the model must report) }]. options: extra predict options. scalarFiles(files, variant):
 * the subset to run again with the scalar reference kernels (simd: false), which must match too.
 */
export function defineGoldenSuites(task, suites, { options = {}, scalarFiles } = {}) {
  for (const suite of suites) {
    describe(`golden parity: ${suite.model}`, () => {
      let model;
      beforeAll(async () => {
        const { loadModel } = await import('../../dist/esm/index.js');
        model = await loadModel(join(MODELS, suite.model), { threads: 2 });
        assert.equal(model.task, task);
        if (suite.head) assert.equal(model.head, suite.head);
      });
      afterAll(async () => {
        await model?.dispose();
      });
      for (const variant of suite.variants) {
        test(`${suite.golden}/${variant}`, async () => {
          const files = listGoldens(suite.golden, variant);
          assert.ok(files.length > 0, `no golden files in ${suite.golden}/${variant}`);
          const { failed } = await runGoldens(model, files, task, options);
          assert.equal(failed.length, 0, `${failed.length}/${files.length} golden files differ:\n${describeFailures(failed)}`);
          const subset = scalarFiles ? scalarFiles(files, variant) : [];
          if (subset.length) {
            const scalar = await runGoldens(model, subset, task, { ...options, simd: false });
            assert.equal(scalar.failed.length, 0, `simd=false: ${describeFailures(scalar.failed)}`);
          }
        });
      }
    });
  }
}
