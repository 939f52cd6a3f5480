/** `yolo-native val`: flags -> loadModel + model.val(), then the table (or --json) on stdout, a progress bar on a TTY. */
import { numberFlag, parseFlags } from '../cli-args.js';
import { ErrorCodes, YoloError } from '../errors.js';
import { loadModel } from '../model.js';
import { progressBar } from '../progress.js';
import type { ValOptions } from './options.js';
import { renderValReport } from './report.js';

export const VAL_USAGE = `Usage: yolo-native val --model <path|name|hub-url> --data <dataset.yaml | folder> [options]

Accuracy of a model on a dataset, as Ultralytics' \`yolo val\` measures it (batch 1, rect letterbox, multi-label
NMS): mAP50, mAP50-95, precision and recall per class and overall (box; mask for segment, OKS for pose, rotated IoU
for OBB), or top-1 / top-5 accuracy for classify. Detect / segment / pose / obb take a dataset yaml in Ultralytics'
YOLO layout (images/ + labels/), or a folder holding one (a bare folder uses the model's class names); classify
takes a folder of <split>/<class>/<image>.

Options:
  --imgsz N          inference size (default 640)
  --conf X           confidence threshold (default 0.001; 0.01 for OBB)
  --iou X            NMS IoU threshold (default 0.7)
  --max-det N        most detections per image (default 300)
  --split NAME       dataset split (default val)
  --no-rect          letterbox to imgsz x imgsz instead of Ultralytics' rect shapes
  --threads N        ONNX Runtime intra-op threads (default: one per core)
  --models-dir DIR   where model names are looked up
  --json             print the result as JSON (every class, every label problem)
  -h, --help         this help`;

export async function valCommand(argv: string[]): Promise<void> {
  const { values } = parseFlags('val', argv, {
    model: { type: 'string', short: 'm' },
    data: { type: 'string', short: 'd' },
    imgsz: { type: 'string' },
    conf: { type: 'string' },
    iou: { type: 'string' },
    'max-det': { type: 'string' },
    split: { type: 'string' },
    'no-rect': { type: 'boolean' },
    threads: { type: 'string' },
    'models-dir': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(VAL_USAGE);
    return;
  }
  if (!values.model || !values.data) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, '--model and --data are required; see yolo-native val --help');
  const options: ValOptions = {};
  if (values.imgsz !== undefined) options.imgsz = numberFlag('imgsz', values.imgsz, { integer: true, min: 1 });
  if (values.conf !== undefined) options.conf = numberFlag('conf', values.conf, { min: 0, max: 1 });
  if (values.iou !== undefined) options.iou = numberFlag('iou', values.iou, { min: 0, max: 1 });
  if (values['max-det'] !== undefined) options.maxDet = numberFlag('max-det', values['max-det'], { integer: true, min: 1 });
  if (values.split !== undefined) options.split = values.split;
  if (values['no-rect']) options.rect = false;
  const model = await loadModel(values.model, {
    ...(values.threads !== undefined ? { threads: numberFlag('threads', values.threads, { integer: true, min: 0 }) } : {}),
    ...(values['models-dir'] ? { modelsDir: values['models-dir'] } : {}),
  });
  const bar = progressBar('val');
  try {
    const result = await model.val(values.data, { ...options, onProgress: (p) => bar.update(p.done, p.total, p.elapsedMs) });
    bar.end();
    console.log(values.json ? JSON.stringify(result, null, 2) : renderValReport(result));
  } finally {
    bar.end();
    await model.dispose();
  }
}
