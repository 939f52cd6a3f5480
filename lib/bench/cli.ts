/** `yolo-native bench`: flags -> loadModel + model.bench(), then the table (or --json) on stdout, a progress bar on a TTY. */
import { integerListFlag, numberFlag, parseFlags } from '../cli-args.js';
import { ErrorCodes, YoloError } from '../errors.js';
import { loadModel } from '../model.js';
import { progressBar } from '../progress.js';
import type { BenchOptions } from './bench.js';
import { renderBenchReport } from './report.js';

export const BENCH_USAGE = `Usage: yolo-native bench --model <path|name|hub-url> [options]

Speed of a model on this machine, measured as \`npm run bench\` measures it: per-stage latency p50 / p95 one call
at a time (decode, letterbox, inference, post-process) and end to end (encoded bytes to the HUB JSON); images/s,
call latency and event-loop delay with 1, 2, 4, 8 calls in flight; memory.

Options:
  --images PATH        a folder of images (up to 64 are used, in turn) or one image (default: the bundled bus.jpg)
  --imgsz N            inference size (default 640)
  --threads N          ONNX Runtime intra-op threads (default: one per core)
  --concurrency LIST   calls in flight for the throughput phase (default 1,2,4,8)
  --iterations N       timed calls for the latency phase (default 30)
  --warmup N           untimed calls first (default 3)
  --models-dir DIR     where model names are looked up
  --json               print the result as JSON
  -h, --help           this help

Run node with --expose-gc for memory readings after a forced GC.`;

export async function benchCommand(argv: string[]): Promise<void> {
  const { values } = parseFlags('bench', argv, {
    model: { type: 'string', short: 'm' },
    images: { type: 'string' },
    imgsz: { type: 'string' },
    threads: { type: 'string' },
    concurrency: { type: 'string' },
    iterations: { type: 'string' },
    warmup: { type: 'string' },
    'models-dir': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(BENCH_USAGE);
    return;
  }
  if (!values.model) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, '--model is required; see yolo-native bench --help');
  const options: BenchOptions = {};
  if (values.images !== undefined) options.images = values.images;
  if (values.imgsz !== undefined) options.imgsz = numberFlag('imgsz', values.imgsz, { integer: true, min: 1 });
  if (values.concurrency !== undefined) options.concurrency = integerListFlag('concurrency', values.concurrency);
  if (values.iterations !== undefined) options.iterations = numberFlag('iterations', values.iterations, { integer: true, min: 1 });
  if (values.warmup !== undefined) options.warmup = numberFlag('warmup', values.warmup, { integer: true, min: 0 });
  const model = await loadModel(values.model, {
    ...(values.threads !== undefined ? { threads: numberFlag('threads', values.threads, { integer: true, min: 0 }) } : {}),
    ...(values['models-dir'] ? { modelsDir: values['models-dir'] } : {}),
  });
  const bar = { latency: progressBar('latency   ', process.stderr, 'call'), throughput: progressBar('throughput', process.stderr, 'call') };
  try {
    const result = await model.bench({ ...options, onProgress: (p) => bar[p.phase].update(p.done, p.total, p.elapsedMs) });
    bar.latency.end();
    console.log(values.json ? JSON.stringify(result, null, 2) : renderBenchReport(result));
  } finally {
    bar.latency.end();
    await model.dispose();
  }
}
