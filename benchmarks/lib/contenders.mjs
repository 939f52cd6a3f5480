/**
 * The three contenders of one case, built on the same model file, image bytes, imgsz and thread count:
 *   floor       raw onnxruntime-node session.run on a pre-made tensor (floor.mjs)
 *   peer        onnxruntime-node + sharp + JS (peer.mjs), sharing the floor's session
 *   yoloNative  yolo-native Model.predict from encoded bytes
 * Each contender is an async function returning { ms, stages, detections }.
 */
import { readFileSync } from 'node:fs';
import { compareImage } from '../../test/helpers/golden.mjs';
import { floorContender } from './floor.mjs';
import { Peer } from './peer.mjs';

export const CONTENDERS = ['floor', 'yoloNative', 'peer'];
export const LABELS = { floor: 'ORT floor', yoloNative: 'yolo-native', peer: 'peer (ort-node + sharp)' };

const message = (e) => (e && typeof e === 'object' && 'code' in e && e.code ? `${e.code}: ${e.message}` : String(e?.message ?? e));

/**
 * Loads everything for one case. Returns { contenders, parity, errors, info, close }. A contender that fails its
 * first call is left out of `contenders` and its error recorded in `errors` (by contender name), so a task that
 * does not work yet is reported as an error instead of stopping the run.
 */
export async function openCase(spec, cfg, yn) {
  const bytes = readFileSync(spec.imagePath);
  const predictOptions = { imgsz: cfg.imgsz };
  const model = await yn.loadModel(spec.modelPath, { threads: cfg.threads });
  const peer = (await Peer.create(spec.modelPath, { threads: cfg.threads })).configure({ task: model.task, names: model.names, stride: model.stride, kpt: model.kptShape, head: model.head });
  const feeds = { [peer.inputName]: await peer.tensorFor(bytes, cfg.imgsz) };

  const all = {
    floor: floorContender(peer.session, feeds),
    yoloNative: async () => {
      const t0 = performance.now();
      const out = await model.predict(bytes, predictOptions);
      const ms = performance.now() - t0;
      const image = out.images[0];
      return { ms, stages: { ...image.speed }, detections: image.results.length, out };
    },
    peer: async () => {
      const t0 = performance.now();
      const out = await peer.predict(bytes, predictOptions);
      const ms = performance.now() - t0;
      return { ms, stages: out.speed, detections: out.results.length, out };
    },
  };

  // first calls: who works, and do the peer and yolo-native agree?
  const contenders = {}, errors = {}, first = {};
  for (const name of CONTENDERS) {
    try {
      first[name] = await all[name]();
      contenders[name] = all[name];
    } catch (e) {
      errors[name] = message(e);
    }
  }
  let parity = { checked: false, ok: null, problems: [] };
  if (first.peer && first.yoloNative) {
    const native = first.yoloNative.out;
    const problems = compareImage({ hub: native, args: { conf: native.metadata.conf } }, { results: first.peer.out.results, shape: first.peer.out.shape }, model.task);
    parity = { checked: true, ok: problems.length === 0, problems, detections: { yoloNative: first.yoloNative.detections, peer: first.peer.detections } };
  }
  const inputShape = feeds[peer.inputName].dims;
  return {
    contenders,
    errors,
    parity,
    info: { task: model.task, inputShape, imageShape: first.yoloNative?.out.images[0].shape ?? first.peer?.out.shape ?? null },
    async close() {
      await model.dispose();
      await peer.session.release?.();
    },
  };
}
