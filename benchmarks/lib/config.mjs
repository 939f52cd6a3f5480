/** Command line, defaults and the benchmark cases (model + image per task). */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA, MODELS, repoRoot } from '../../test/helpers/golden.mjs';

/**
 * One case per task at imgsz 640 (the models' export size), plus a dynamic-shape detect model and YOLO26 (end-to-end). `peerTarget` is the speed-up over the peer the project
 * aims for (null: none set). OBB uses a dota8 training tile: the toy OBB model only detects objects there.
 */
export const CASES = {
  detect: { task: 'detect', model: 'fp32/yolov8n-int8dq-640.onnx', image: 'images/bus.jpg', peerTarget: 1.2 },
  'detect-dynamic': { task: 'detect', model: 'fp32/yolov8n-int8dq-dynamic.onnx', image: 'images/bus.jpg', peerTarget: 1.2 },
  // YOLO26n, end-to-end: no NMS on either side, so postprocess is a small share and the ratios show the rest.
  'detect-yolo26': { task: 'detect', model: 'fp32/yolo26n-int8dq-dynamic.onnx', image: 'images/bus.jpg', peerTarget: 1.2 },
  segment: { task: 'segment', model: 'fp32/yolov8n-seg-int8dq-640.onnx', image: 'images/bus.jpg', peerTarget: 1.5 },
  pose: { task: 'pose', model: 'fp32/yolo11n-pose-int8dq-640.onnx', image: 'images/bus.jpg', peerTarget: 1.2 },
  obb: { task: 'obb', model: 'fp32/yolov8n-obb-dota8-640.onnx', image: 'dota8/images/train/P0861__1024__0___1648.jpg', peerTarget: null },
  classify: { task: 'classify', model: 'fp32/yolov8n-cls_finetuned-leaves36-640.onnx', image: 'images/bus.jpg', peerTarget: 1.5 },
};

export const PHASES = ['latency', 'throughput', 'memory'];

const HELP = `npm run bench -- [options]      (node benchmarks/run.mjs [options])

  --tasks LIST          cases to run, comma-separated (default: all)
                        ${Object.keys(CASES).join(', ')}
  --phases LIST         ${PHASES.join(', ')} (default: all)
  --iterations N        timed calls per contender and case (default 30; --quick 3)
  --warmup N            untimed calls per contender before timing (default 3; --quick 1)
  --threads N           ONNX Runtime intra-op threads for all three contenders (default: the cores, ${availableParallelism()})
  --imgsz N             inference size (default 640)
  --concurrency LIST    concurrent calls for the throughput phase (default 1,2,4,8)
  --throughput-task T   case used for throughput and event-loop delay (default detect, else the first case)
  --memory-predictions N  predictions between the two RSS readings (default 1000; --quick 20)
  --load-cycles N       model load/predict/dispose cycles (default 20; --quick 2)
  --quick               a short smoke run (well under a minute)
  --out DIR             where bench.json, bench.md and bench.svg go (default benchmarks/results)
  --help`;

const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

function positiveInt(name, v, min = 1) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}; received ${v}`);
  return n;
}

/** Parsed and validated options; throws with a message naming the bad flag. */
export function parseConfig(argv) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      tasks: { type: 'string' },
      phases: { type: 'string' },
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      threads: { type: 'string' },
      imgsz: { type: 'string' },
      concurrency: { type: 'string' },
      'throughput-task': { type: 'string' },
      'memory-predictions': { type: 'string' },
      'load-cycles': { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return { help: HELP };
  const quick = values.quick;
  const cases = values.tasks ? list(values.tasks) : Object.keys(CASES);
  for (const c of cases) if (!CASES[c]) throw new Error(`--tasks: unknown case '${c}'; valid: ${Object.keys(CASES).join(', ')}`);
  const phases = values.phases ? list(values.phases) : PHASES;
  for (const p of phases) if (!PHASES.includes(p)) throw new Error(`--phases: unknown phase '${p}'; valid: ${PHASES.join(', ')}`);
  const throughputCase = values['throughput-task'] ?? (cases.includes('detect') ? 'detect' : cases[0]);
  if (!CASES[throughputCase]) throw new Error(`--throughput-task: unknown case '${throughputCase}'`);
  return {
    quick,
    cases,
    phases,
    iterations: positiveInt('iterations', values.iterations ?? (quick ? 3 : 30)),
    warmup: positiveInt('warmup', values.warmup ?? (quick ? 1 : 3), 0),
    threads: positiveInt('threads', values.threads ?? availableParallelism()),
    imgsz: positiveInt('imgsz', values.imgsz ?? 640, 32),
    concurrency: (values.concurrency ? list(values.concurrency) : ['1', '2', '4', '8']).map((c) => positiveInt('concurrency', c)),
    throughputCase,
    memoryPredictions: positiveInt('memory-predictions', values['memory-predictions'] ?? (quick ? 20 : 1000)),
    loadCycles: positiveInt('load-cycles', values['load-cycles'] ?? (quick ? 2 : 20)),
    out: resolve(values.out ?? join(repoRoot, 'benchmarks', 'results')),
  };
}

/** Absolute model and image paths of a case. */
export function casePaths(name) {
  const c = CASES[name];
  return { ...c, name, modelPath: join(MODELS, c.model), imagePath: join(DATA, c.image) };
}
