/**
 * yolo-native command line:
 *   yolo-native predict <image|video|stream URL>... --model <ref> [--imgsz 640] [--conf 0.25] [--iou 0.45] [--threads N]
 *                       [--save DIR]
 *   yolo-native info --model <ref>
 *   yolo-native serve [...]           (see `yolo-native serve --help`)
 *   yolo-native val --model <ref> --data <yaml|dir> [...]   (see `yolo-native val --help`)
 *   yolo-native bench --model <ref> [...]                    (see `yolo-native bench --help`)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseFlags } from './cli-args.js';
import { ErrorCodes, YoloError } from './errors.js';
import type { HubImage } from './hub.js';
import { isLiveSource } from './live.js';
import { loadModel, type Model } from './model.js';
import { native } from './native.js';
import { checkNumeral } from './options.js';
import { framesToProcess, progressLine } from './progress.js';
import { version } from './version.js';

const USAGE = `Usage:
  yolo-native predict <image|video|stream>... --model <path|name|hub-url> [--imgsz 640] [--conf 0.25] [--iou 0.45]
                                 [--threads N] [--models-dir DIR] [--top5] [--vid-stride N] [--max-frames N]
                                 [--save DIR] [--buffer latest|all] [--open-timeout MS] [--read-timeout MS]
                                 [--reconnect N]
  yolo-native info --model <path|name|hub-url> [--models-dir DIR]
  yolo-native --version
  yolo-native serve --help
  yolo-native val --model <path|name|hub-url> --data <dataset.yaml|dir> [--imgsz 640] [--json]   (val --help)
  yolo-native bench --model <path|name|hub-url> [--images DIR] [--concurrency 1,2,4,8] [--json] (bench --help)

Models are looked up as a file path, as a name under --models-dir ($YOLO_NATIVE_MODELS_DIR, default ./models),
or by HUB model URL / id. Output is the Ultralytics HUB Inference API JSON.

A stream (rtsp://, rtmp://, http(s)://, /dev/video0) prints one JSON line per frame (an images[] entry) until it
ends or Ctrl-C. --save DIR writes annotated pictures (and annotated .mp4 videos for videos and streams) into DIR;
the output is then one JSON line per image or frame. A progress line (frames, fps, ETA) goes to stderr on a terminal.`;

/** A CLI value as a number within [min, max] (E_INVALID_ARGUMENT naming the flag otherwise). */
function flag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  return value === undefined ? undefined : checkNumeral(`--${name}`, value, min, max, true);
}

/** A file name in `dir` for `stem` + `ext` that this run has not used yet. */
function outputPath(dir: string, used: Set<string>, input: string, ext: string): string {
  const stem = basename(input, extname(input)) || 'stream';
  let name = `${stem}${ext}`;
  for (let i = 2; used.has(name); i++) name = `${stem}-${i}${ext}`;
  used.add(name);
  return join(dir, name);
}

const line = (entry: HubImage): string => {
  const { plot, ...rest } = entry;
  void plot;
  return JSON.stringify(rest);
};

/** Streams one video or live source, one JSON line per frame; a progress line on a terminal; stops on Ctrl-C. */
async function streamCommand(model: Model, input: string, options: Record<string, unknown>, saveVideo: string | undefined, label: string): Promise<void> {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let done = 0, total = -1, lastDraw = 0;
  const stream = model.stream(input, { ...options, signal: abort.signal, ...(saveVideo ? { saveVideo } : {}) });
  try {
    for await (const entry of stream) {
      process.stdout.write(`${line(entry)}\n`);
      done++;
      if (tty) {
        if (total < 0) {
          const info = stream.info();
          total = framesToProcess(info.frameCount, (options.vidStride as number) ?? 1, (options.maxFrames as number) ?? 0);
        }
        if (Date.now() - lastDraw > 100) {
          lastDraw = Date.now();
          process.stderr.write(`\r${progressLine(label, { done, total, elapsedMs: Date.now() - started })}\x1b[K`);
        }
      }
    }
  } catch (e) {
    if (!(e instanceof YoloError && e.code === ErrorCodes.ABORTED)) throw e; // Ctrl-C: a normal end
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (tty) process.stderr.write(`\r${progressLine(label, { done, total: total > 0 ? total : 0, elapsedMs: Date.now() - started })}\x1b[K\n`);
  }
}

async function predictCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseFlags(
    'predict',
    argv,
    {
      model: { type: 'string', short: 'm' },
      imgsz: { type: 'string' },
      conf: { type: 'string' },
      iou: { type: 'string' },
      threads: { type: 'string' },
      'models-dir': { type: 'string' },
      top5: { type: 'boolean' },
      'vid-stride': { type: 'string' },
      'max-frames': { type: 'string' },
      save: { type: 'string' },
      buffer: { type: 'string' },
      'open-timeout': { type: 'string' },
      'read-timeout': { type: 'string' },
      reconnect: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help || !values.model || positionals.length === 0) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const live = positionals.filter(isLiveSource);
  if (live.length > 0 && positionals.length > 1) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `a stream is predicted on its own; received ${positionals.length} inputs with ${live.length} stream(s)`, 'input');
  }
  const model = await loadModel(values.model, {
    ...(values.threads !== undefined ? { threads: checkNumeral('--threads', values.threads, 0, 1024, true) } : {}),
    ...(values['models-dir'] ? { modelsDir: values['models-dir'] } : {}),
  });
  try {
    const options: Record<string, unknown> = {};
    if (values.imgsz !== undefined) options.imgsz = flag('imgsz', values.imgsz, 1, 8192);
    if (values.conf !== undefined) options.conf = checkNumeral('--conf', values.conf, 0, 1, false);
    if (values.iou !== undefined) options.iou = checkNumeral('--iou', values.iou, 0, 1, false);
    if (values.top5) options.top5 = true;
    if (values['vid-stride'] !== undefined) options.vidStride = flag('vid-stride', values['vid-stride'], 1, 10000);
    if (values['max-frames'] !== undefined) options.maxFrames = flag('max-frames', values['max-frames'], 0, Number.MAX_SAFE_INTEGER);
    const liveOptions: Record<string, unknown> = {};
    if (values.buffer !== undefined) liveOptions.buffer = values.buffer;
    if (values['open-timeout'] !== undefined) liveOptions.openTimeoutMs = flag('open-timeout', values['open-timeout'], 100, 600_000);
    if (values['read-timeout'] !== undefined) liveOptions.readTimeoutMs = flag('read-timeout', values['read-timeout'], 100, 600_000);
    if (values.reconnect !== undefined) liveOptions.reconnect = flag('reconnect', values.reconnect, 0, 100);
    const save = values.save;
    if (save !== undefined) mkdirSync(save, { recursive: true });
    const used = new Set<string>();

    if (live.length > 0) {
      await streamCommand(model, live[0], { ...options, ...liveOptions }, save !== undefined ? outputPath(save, used, new URL(live[0], 'file:///').pathname, '.mp4') : undefined, live[0]);
      return;
    }
    if (save === undefined) {
      const out = await model.predict(positionals.length === 1 ? positionals[0] : positionals, options);
      console.log(JSON.stringify(out, null, 2));
      return;
    }
    // --save: images in one call (their pictures drawn from the pixels decoded for inference), videos streamed into
    // annotated .mp4 files; one JSON line per image or frame, in input order.
    for (let i = 0; i < positionals.length; ) {
      const input = positionals[i];
      if (native().isVideo(input)) {
        await streamCommand(model, input, options, outputPath(save, used, input, '.mp4'), basename(input));
        i++;
        continue;
      }
      const images: string[] = [];
      while (i < positionals.length && !native().isVideo(positionals[i])) images.push(positionals[i++]);
      const out = await model.predict(images, { ...options, plot: true });
      out.images.forEach((entry, k) => {
        writeFileSync(outputPath(save, used, images[k], '.jpg'), entry.plot as Buffer);
        process.stdout.write(`${line(entry)}\n`);
      });
    }
  } finally {
    await model.dispose();
  }
}

async function infoCommand(argv: string[]): Promise<void> {
  const { values } = parseFlags('info', argv, { model: { type: 'string', short: 'm' }, 'models-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(USAGE);
    return;
  }
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
