// Child process of tests that must survive a crash or watch memory: predicts each file named on the command line
// (after the model path and the predict options as JSON) in a fresh process, and prints per file the outcome
// ('ok' with the first image's results, or the error code) and how much the peak RSS grew during that call. A
// decoder that allocates for a forged size shows up as growth; a refusal by the header gate does not.
import { readFileSync } from 'node:fs';
import { loadModel } from '../../dist/esm/index.js';

const [modelPath, optionsJson, ...files] = process.argv.slice(2);
const options = JSON.parse(optionsJson);
const model = await loadModel(modelPath, { threads: 1 });
const peakKiB = () => process.resourceUsage().maxRSS;
const report = [];
for (const file of files) {
  const bytes = readFileSync(file);
  const before = peakKiB();
  let outcome, image;
  try {
    const out = await model.predict(bytes, options);
    outcome = 'ok';
    image = out.images[0];
  } catch (e) {
    outcome = e.code ?? String(e);
  }
  report.push({ file, outcome, image, growthMiB: (peakKiB() - before) / 1024 });
}
await model.dispose();
process.stdout.write(JSON.stringify(report));
