/**
 * `yolo-native serve`: flags -> ServerOptions (the environment fills in whatever a flag leaves out, in config.ts),
 * listen, and drain on SIGTERM / SIGINT: requests in flight complete, new ones get 503, then the process exits 0.
 */
import { parseFlags } from '../cli-args.js';
import { ErrorCodes, YoloError } from '../errors.js';
import { PREDICT_DEFAULTS } from '../options.js';
import { SERVER_DEFAULTS, type ServerOptions } from './config.js';
import { createServer } from './server.js';

const USAGE = `Usage: yolo-native serve [options]

A drop-in server of the Ultralytics HUB Inference API: POST / with a multipart/form-data body (file, model,
imgsz, conf, iou) and the x-api-key header; answers the HUB JSON. Every flag falls back to its environment
variable, then to its default.

Options (environment variable, default):
  --port N                  TCP port (PORT, 3000; 0 picks a free port)
  --host ADDR               listen address (HOST, 127.0.0.1: loopback only; 0.0.0.0 for every interface)
  --models-dir DIR          the model registry: ONNX files, optionally models.json {"<HUB id>": "file.onnx"}
                            (YOLO_NATIVE_MODELS_DIR, ./models)
  --api-keys SPEC           "key1,key2" or "@/path/to/file" with one key per line (YOLO_NATIVE_API_KEYS; required).
                            Only SHA-256 digests of the keys are kept
  --rate-limit N            calls per key per window, 0 = no limit (YOLO_NATIVE_RATE_LIMIT, ${SERVER_DEFAULTS.sharedRateLimit};
                            dedicated mode: YOLO_NATIVE_DEDICATED_RATE_LIMIT, ${SERVER_DEFAULTS.dedicatedRateLimit})
  --rate-limit-window MS    the rate-limit window in ms (YOLO_NATIVE_RATE_WINDOW_MS, ${SERVER_DEFAULTS.rateLimitWindowMs}: one hour)
  --redis-url URL           keep rate-limit counters in Redis, shared by every replica (REDIS_URL; unset: in-process)
  --dedicated MODEL         dedicated mode: serve this one model (path, name or HUB URL / id), loaded and warmed
                            before listening; the form's model field is then ignored (YOLO_NATIVE_DEDICATED)
  --max-models N            unpinned models resident at once, least recently used evicted (YOLO_NATIVE_MAX_MODELS, ${SERVER_DEFAULTS.maxModels})
  --max-upload-bytes N      largest upload; larger gets 413 (YOLO_NATIVE_MAX_UPLOAD_BYTES, ${SERVER_DEFAULTS.maxUploadBytes}: 50 MiB)
  --max-pixels N            largest image in pixels, read from its header before decoding; larger gets 413
                            (YOLO_NATIVE_MAX_PIXELS, ${SERVER_DEFAULTS.maxPixels}; 0 = the library's default, ${PREDICT_DEFAULTS.maxPixels})
  --max-frames N            most frames a video upload may have to process; more get 413, before decoding when the
                            container says how many it has (YOLO_NATIVE_MAX_FRAMES, ${SERVER_DEFAULTS.maxFrames})
  --max-inflight-bytes N    upload bytes held at once across all requests; a request reserves its size before its
                            body is read, one that does not fit gets 503 (YOLO_NATIVE_MAX_INFLIGHT_BYTES, ${SERVER_DEFAULTS.maxInflightBytes}: 256 MiB)
  --auth-failure-limit N    wrong API keys per client address per minute before 429, 0 = no limit
                            (YOLO_NATIVE_AUTH_FAILURE_LIMIT, ${SERVER_DEFAULTS.authFailureLimit})
  --concurrency N           inferences running at once (YOLO_NATIVE_CONCURRENCY, ${SERVER_DEFAULTS.concurrency})
  --max-queue N             requests waiting for an inference slot; more get 503 (YOLO_NATIVE_MAX_QUEUE, ${SERVER_DEFAULTS.maxQueue})
  --timeout MS              request timeout: receiving the upload, queue and inference (a video stops between frames); past it 503
                            (YOLO_NATIVE_TIMEOUT_MS, ${SERVER_DEFAULTS.timeoutMs})
  --threads N               ONNX Runtime intra-op threads per model, 0 = one per core (YOLO_NATIVE_THREADS, ${SERVER_DEFAULTS.threads})
  --log-level LEVEL         fatal, error, warn, info, debug, trace or silent (YOLO_NATIVE_LOG_LEVEL, info)
  -h, --help                this help

Endpoints: POST / (inference), GET /health (liveness), GET /ready (readiness: 503 while warming or draining),
GET /metrics (Prometheus). SIGTERM / SIGINT drain: requests in flight complete, new ones get 503, then exit 0.
See docs/server.md.`;

/** Flag name -> ServerOptions key, for the numeric flags (validated, with their ranges, in config.ts). */
const NUMERIC_FLAGS = {
  'rate-limit': 'rateLimit',
  'rate-limit-window': 'rateLimitWindowMs',
  'max-models': 'maxModels',
  'max-upload-bytes': 'maxUploadBytes',
  'max-pixels': 'maxPixels',
  'max-frames': 'maxFrames',
  'max-inflight-bytes': 'maxInflightBytes',
  'auth-failure-limit': 'authFailureLimit',
  concurrency: 'concurrency',
  'max-queue': 'maxQueue',
  timeout: 'timeoutMs',
  threads: 'threads',
} as const satisfies Record<string, keyof ServerOptions>;

const STRING_FLAGS = {
  'models-dir': 'modelsDir',
  'api-keys': 'apiKeys',
  'redis-url': 'redisUrl',
  dedicated: 'dedicated',
} as const satisfies Record<string, keyof ServerOptions>;

type Flag = keyof typeof NUMERIC_FLAGS | keyof typeof STRING_FLAGS | 'port' | 'host' | 'log-level';

function parseServeArgs(argv: string[]) {
  const flags = [...Object.keys(NUMERIC_FLAGS), ...Object.keys(STRING_FLAGS), 'port', 'host', 'log-level'] as Flag[];
  const options = Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }]));
  return parseFlags('serve', argv, { ...options, help: { type: 'boolean', short: 'h' } }).values;
}

export async function serveCommand(argv: string[]): Promise<void> {
  const values = parseServeArgs(argv) as Partial<Record<Flag, string>> & { help?: boolean };
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const options: ServerOptions = { logLevel: values['log-level'] ?? process.env.YOLO_NATIVE_LOG_LEVEL ?? 'info' };
  for (const [flag, key] of Object.entries(NUMERIC_FLAGS)) {
    const v = values[flag as Flag];
    if (v !== undefined) (options as Record<string, unknown>)[key] = v; // numeric strings: checked in config.ts
  }
  for (const [flag, key] of Object.entries(STRING_FLAGS)) {
    const v = values[flag as Flag];
    if (v !== undefined) (options as Record<string, unknown>)[key] = v;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (values.port.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `--port must be an integer in [0, 65535]; received ${JSON.stringify(values.port)}`, 'port');
    }
  }

  const server = createServer(options);
  const url = await server.listen({ ...(port !== undefined ? { port } : {}), ...(values.host !== undefined ? { host: values.host } : {}) });
  const c = server.config;
  const mode = server.dedicatedPath ? `dedicated: ${server.dedicatedPath}` : `shared: models in ${c.modelsDir}`;
  const limit = c.rateLimit > 0 ? `${c.rateLimit} calls per key per ${c.rateLimitWindowMs / 1000} s${c.redisUrl ? ' (Redis store)' : ''}` : 'no rate limit';
  console.log(`yolo-native serving the HUB Inference API on ${url} (${mode}; ${limit})`);

  let signals = 0;
  const drain = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      console.error(`yolo-native: ${signal} again: exiting without waiting for ${server.inflight} request(s) in flight`);
      process.exit(1);
    }
    console.log(`yolo-native: ${signal}: draining ${server.inflight} request(s) in flight, refusing new ones`);
    server.close().then(
      () => {
        console.log('yolo-native: drained, exiting');
        process.exit(0);
      },
      (e: Error) => {
        console.error(`yolo-native: error while closing: ${e.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
}
