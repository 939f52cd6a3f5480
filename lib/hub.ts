/** The shapes of the Ultralytics HUB Inference API JSON, which the native side builds (native/hub_json.cc). */
export type Task = 'detect' | 'segment' | 'pose' | 'obb' | 'classify';

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
export interface ObbBox extends Box {
  x3: number;
  y3: number;
  x4: number;
  y4: number;
}
/** One detection: Ultralytics' Results.summary() fields of its task, in that key order. */
export interface HubResult {
  name: string;
  class: number;
  confidence: number;
  box?: Box | ObbBox;
  segments?: { x: number[]; y: number[] };
  keypoints?: { x: number[]; y: number[]; visible: number[] };
}
export interface HubImage {
  results: HubResult[];
  /** The original image's [height, width]. */
  shape: [number, number];
  /** Milliseconds per stage; preprocess includes decoding. */
  speed: { preprocess: number; inference: number; postprocess: number };
  /** Video frames: the frame's index in the stream (a live source's skipped frames leave gaps). */
  frame?: number;
  /** Video and live frames: the frame's time in the stream, in milliseconds. */
  timestamp?: number;
  /** With the `plot` option: the picture (JPEG or PNG). Not part of the HUB JSON. */
  plot?: Buffer;
  /** Classify with `top5: true`: the five most probable classes. */
  top5?: { name: string; class: number; confidence: number }[];
}
export interface HubMetadata {
  model: string;
  task: Task;
  /** The size the network ran at. */
  imgsz: number;
  /** The first image's network input [height, width]. */
  inputShape: [number, number] | null;
  conf: number;
  iou: number;
  version: { yoloNative: string; onnxruntime: string };
}
export interface HubResponse {
  images: HubImage[];
  metadata: HubMetadata;
}
