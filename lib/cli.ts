/**
 * yolo-native command line:
 *   yolo-native predict <image|video>... --model <ref> [--imgsz 640] [--conf 0.25] [--iou 0.45] [--threads N]
 *   yolo-native info --model <ref>
 *   yolo-native serve [...]           (see `yolo-native serve --help`)
 *   yolo-native val --model <ref> --data <yaml|dir> [...]   (see `yolo-native val --help`)
 *   yolo-native bench --model <ref> [...]                    (see `yolo-native bench --help`)
 */
import { parseArgs } from 'node:util';
import { YoloError } from './errors.js';
import { loadModel } from './model.js';
import { checkNumeral, type PredictOptions } from './options.js';
import { version } from './version.js';

const USAGE = `Usage:
  yolo-native predict <image>... --model <path|name|hub-url> [--imgsz 640] [--conf 0.25] [--iou 0.45]
                                 [--threads N] [--models-dir DIR] [--top5]
  yolo-native info --model <path|name|hub-url> [--models-dir DIR]
  yolo-native --version
  yolo-native serve --help
  yolo-native val --model <path|name|hub-url> --data <dataset.yaml|dir> [--imgsz 640] [--json]   (val --help)
  yolo-native bench --model <path|name|hub-url> [--images DIR] [--concurrency 1,2,4,8] [--json] (bench --help)

Models are looked up as a file path, as a name under --models-dir ($YOLO_NATIVE_MODELS_DIR, default ./models),
or by HUB model URL / id. Output is the Ultralytics HUB Inference API JSON.`;

async function predictCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string', short: 'm' },
      imgsz: { type: 'string' },
      conf: { type: 'string' },
      iou: { type: 'string' },
      threads: { type: 'string' },
      'models-dir': { type: 'string' },
      top5: { type: 'boolean' },
      'vid-stride': { type: 'string' },
      'max-frames': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.model || positionals.length === 0) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  // Flags are text: numbers are parsed here (plain decimal numerals), validated with the library's own ranges.
  const number = (flag: string, min: number, max: number, integer: boolean) => checkNumeral(`--${flag}`, values[flag as keyof typeof values], min, max, integer);
  const model = await loadModel(values.model, {
    ...(values.threads !== undefined ? { threads: number('threads', 0, 1024, true) } : {}),
    ...(values['models-dir'] ? { modelsDir: values['models-dir'] } : {}),
  });
  const options: PredictOptions = {};
  if (values.imgsz !== undefined) options.imgsz = number('imgsz', 1, 8192, true);
  if (values.conf !== undefined) options.conf = number('conf', 0, 1, false);
  if (values.iou !== undefined) options.iou = number('iou', 0, 1, false);
  if (values.top5) options.top5 = true;
  if (values['vid-stride'] !== undefined) options.vidStride = number('vid-stride', 1, 10000, true);
  if (values['max-frames'] !== undefined) options.maxFrames = number('max-frames', 0, Number.MAX_SAFE_INTEGER, true);
  const out = await model.predict(positionals.length === 1 ? positionals[0] : positionals, options);
  console.log(JSON.stringify(out, null, 2));
  await model.dispose();
}

async function infoCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string', short: 'm' }, 'models-dir': { type: 'string' } } });
  if (!values.model) throw new YoloError('E_INVALID_ARGUMENT', '--model is required');
  const model = await loadModel(values.model, values['models-dir'] ? { modelsDir: values['models-dir'] } : {});
  const { task, head, names, imgsz, stride, dynamic, inputShape, kptShape, path, metadata } = model;
  console.log(JSON.stringify({ path, task, head, imgsz, stride, dynamic, inputShape, kptShape, names, metadata }, null, 2));
  await model.dispose();
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const [command, ...rest] = argv;
  try {
    if (command === '--version' || command === '-v' || command === 'version') console.log(version);
    else if (command === 'predict') await predictCommand(rest);
    else if (command === 'info') await infoCommand(rest);
    else if (command === 'val') await (await import('./val/cli.js')).valCommand(rest);
    else if (command === 'bench') await (await import('./bench/cli.js')).benchCommand(rest);
    else if (command === 'serve') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { serveCommand } = require('./server/cli.js') as { serveCommand: (argv: string[]) => Promise<void> };
      await serveCommand(rest);
    } else {
      console.log(USAGE);
      process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2;
    }
  } catch (e) {
    const err = e as YoloError;
    console.error(JSON.stringify({ error: { code: err.code ?? 'E_INTERNAL', message: err.message } }));
    process.exitCode = 1;
  }
}
