/**
 * The REST server of the HUB Inference API, on Fastify: POST / (multipart: file, model, imgsz, conf, iou;
 * header x-api-key) answers exactly what Model.predict returns (with the form field plot=true: the annotated JPEG). Multipart parsing is @fastify/multipart's, rate
 * limiting @fastify/rate-limit's (in-process, or Redis through ioredis when redisUrl is set), metrics prom-client's.
 */
import { createServer as createHttpServer } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { Redis as RedisClient } from 'ioredis';
import { ErrorCodes, YoloError } from '../errors.js';
import type { HubResponse } from '../model.js';
import { resolveModelPath } from '../resolve.js';
import { native } from '../native.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './config.js';
import { AuthFailureLimiter } from './auth-failures.js';
import { HttpError, ServerErrorCodes, toErrorResponse } from './errors.js';
import { FORM_FIELDS, MAX_FIELD_BYTES, declaredLength, formOptions, readForm } from './form.js';
import { KeyStore } from './keys.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { InferenceQueue } from './queue.js';
import { redisStore } from './rate-limit-store.js';
import { ModelRegistry, type Lease } from './registry.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKeyId: string | null;
    modelLabel: string | null;
    /** Aborted when the request times out or its client goes away: the native call stops between frames. */
    abort: AbortController | null;
  }
}

/** Up to this much unread request body is drained after an early answer; more closes the connection. */
const UNREAD_BODY_DRAIN_BYTES = 1024 * 1024;
/** Multipart framing around the file: what a Content-Length may exceed the upload limit by. */
const FORM_OVERHEAD_BYTES = 5 * MAX_FIELD_BYTES;
const HUB_PREFIX = 'https://hub.ultralytics.com/models/';

export interface ListenOptions {
  /** Port (default $PORT, then 3000; 0 = any free port). */
  port?: number;
  /** Address (default $HOST, then 127.0.0.1: loopback only). */
  host?: string;
}

/** A gray (114) 64x64 PNG: the image a dedicated model is warmed with at start. */
const WARMUP_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAIAAAAlC+aJAAAAXklEQVR4nO3PMQ0AMAzAsGIe/6MgdliVYgTJvONGB/xqQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQFtpFmE8sn8wTQAAAABJRU5ErkJggg==',
  'base64',
);

/** A URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** `p`, or a 503 E_TIMEOUT after `ms` (what is left of the request timeout `timeoutMs`). */
function withTimeout<T>(p: Promise<T>, ms: number, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(ServerErrorCodes.TIMEOUT, `${what} took longer than the request timeout (${timeoutMs} ms); retry later`, { 'retry-after': '1' })), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export class YoloServer {
  readonly app: FastifyInstance;
  readonly config: ResolvedServerOptions;
  readonly registry: ModelRegistry;
  readonly queue: InferenceQueue;
  readonly metrics: ServerMetrics;
  /** Dedicated mode: the pinned model's file. */
  readonly dedicatedPath?: string;
  readonly #keys: KeyStore;
  readonly #authFailures: AuthFailureLimiter;
  readonly #redis?: RedisClient;
  #inflight = 0;
  #uploadBytes = 0;
  #idle: (() => void)[] = [];
  #draining = false;
  #warm = false;
  #closing?: Promise<void>;
  #url?: string;

  constructor(options: ServerOptions = {}) {
    const cfg = (this.config = resolveServerOptions(options));
    this.#keys = new KeyStore(cfg.apiKeys);
    cfg.apiKeys = []; // only the digests are kept
    this.#authFailures = new AuthFailureLimiter(cfg.authFailureLimit, 60_000);
    this.registry = new ModelRegistry(cfg.modelsDir, cfg.maxModels, cfg.threads ? { threads: cfg.threads } : {});
    if (cfg.dedicated) this.dedicatedPath = resolveModelPath(cfg.dedicated, cfg.modelsDir); // the operator's choice: any path
    this.queue = new InferenceQueue(cfg.concurrency, cfg.maxQueue);
    this.metrics = createMetrics({ inflight: () => this.#inflight, queued: () => this.queue.waiting, resident: () => this.registry.resident().length });
    if (cfg.redisUrl) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Redis } = require('ioredis') as typeof import('ioredis');
      this.#redis = new Redis(cfg.redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: 1, lazyConnect: true });
      this.#redis.on('error', (e) => this.app?.log.warn({ err: e }, 'redis error'));
    }

    const app = (this.app = Fastify({
      logger: cfg.logLevel ? { level: cfg.logLevel } : false,
      bodyLimit: 1024 * 1024, // non-multipart bodies are refused anyway
      requestTimeout: cfg.timeoutMs,
      return503OnClosing: true,
      forceCloseConnections: 'idle',
      // Node checks request timeouts every connectionsCheckingInterval (30 s by default): a slow client would get
      // up to 30 s more than --timeout. Check every second instead.
      serverFactory: (handler) => createHttpServer({ requestTimeout: cfg.timeoutMs, connectionsCheckingInterval: 1000 }, handler),
    }));
    app.decorateRequest('apiKeyId', null);
    app.decorateRequest('modelLabel', null);
    app.decorateRequest('abort', null);
    app.removeAllContentTypeParsers(); // only multipart/form-data (added by @fastify/multipart) is accepted

    app.setErrorHandler((error, request, reply) => {
      const [status, body, headers] = toErrorResponse(error, cfg);
      // 5xx answers carry a generic message (toErrorResponse); what really happened goes to the log only.
      if (status >= 500 && status !== 503) request.log.error({ err: error }, `${body.error.code}: ${(error as Error).message}`);
      if (headers) reply.headers(headers);
      // Node reads and discards whatever body is left after an answer (to keep the connection); past a little, close
      // the connection instead, so that an over-size or refused upload is not read to its end.
      if (!request.raw.complete && !(Number(request.headers['content-length']) <= UNREAD_BODY_DRAIN_BYTES)) reply.header('connection', 'close');
      reply.code(status).send(body);
    });
    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({ error: { code: ServerErrorCodes.NOT_FOUND, message: `no route ${request.method} ${request.url.split('?')[0]}; inference is POST / (multipart/form-data: ${FORM_FIELDS.join(', ')})` } });
    });

    // Draining: refuse new inference requests at once; count the ones in flight so close() can wait for them.
    app.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'POST') return;
      if (this.#draining) throw new HttpError(ServerErrorCodes.DRAINING, 'the server is shutting down and accepts no new requests; retry on another replica', { 'retry-after': '1' });
      this.#inflight++;
      reply.raw.once('close', () => {
        // The client went away before its answer: whatever still runs for it stops between frames.
        if (!reply.raw.writableFinished) request.abort?.abort();
        this.#done();
      });
    });

    app.register(multipart, {
      limits: { fileSize: cfg.maxUploadBytes, files: 1, fields: 16, parts: 32, fieldSize: MAX_FIELD_BYTES, fieldNameSize: 100, headerPairs: 100 },
      throwFileSizeLimit: true,
    });
    const limited = cfg.rateLimit > 0;
    if (limited) {
      app.register(rateLimit, {
        global: false,
        max: cfg.rateLimit,
        timeWindow: cfg.rateLimitWindowMs,
        hook: 'onRequest',
        keyGenerator: (request: FastifyRequest) => request.apiKeyId ?? request.ip,
        ...(this.#redis ? { store: redisStore(this.#redis, 'yolo-native-rl:') } : {}),
        skipOnError: false,
        errorResponseBuilder: (_request: FastifyRequest, ctx: { max: number; after: string; ttl: number }) =>
          new HttpError(ServerErrorCodes.RATE_LIMITED, `rate limit exceeded: at most ${ctx.max} calls per ${Math.round(cfg.rateLimitWindowMs / 1000)} s for this API key; retry in ${ctx.after}`),
      });
    }

    app.register(async (scope) => {
      scope.get('/health', async () => ({ status: 'ok' }));
      scope.get('/ready', async (_request, reply) => {
        const why = this.notReadyReason();
        if (why) return reply.code(503).send({ status: 'not ready', reason: why });
        return { status: 'ready', models: this.registry.resident().map(ModelRegistry.label) };
      });
      scope.get('/metrics', async (_request, reply) => {
        reply.header('content-type', this.metrics.registry.contentType);
        return this.metrics.registry.metrics();
      });
      scope.post('/', {
        onRequest: [async (request) => this.#authenticate(request), async () => this.#admit(), async (request, reply) => this.#reserveUpload(request, reply)],
        onResponse: [async (request, reply) => this.#observe(request, reply)],
        config: limited ? { rateLimit: {} } : {},
        handler: async (request, reply) => this.#infer(request, reply),
      });
    });
  }

  get draining(): boolean {
    return this.#draining;
  }
  get inflight(): number {
    return this.#inflight;
  }
  /** The base URL once listening. */
  get url(): string | undefined {
    return this.#url;
  }

  /** Why /ready answers 503, or undefined when ready. */
  notReadyReason(): string | undefined {
    if (this.#draining) return 'draining';
    if (!this.#url) return 'not listening';
    if (this.dedicatedPath && !this.#warm) return 'warming the dedicated model';
    if (this.#redis && this.#redis.status !== 'ready') return `redis ${this.#redis.status}`;
    return undefined;
  }

  #done(): void {
    this.#inflight--;
    if (this.#inflight === 0) for (const f of this.#idle.splice(0)) f();
  }

  #authenticate(request: FastifyRequest): void {
    // An address that keeps sending wrong keys is throttled before its next key is even looked at.
    const blockedFor = this.#authFailures.blockedFor(request.ip);
    if (blockedFor > 0) {
      const after = String(Math.ceil(blockedFor / 1000));
      throw new HttpError(ServerErrorCodes.RATE_LIMITED, `too many requests with a wrong API key from this address; retry in ${after} s`, { 'retry-after': after });
    }
    const header = request.headers['x-api-key'];
    if (header === undefined || header === '') {
      this.#authFailures.fail(request.ip);
      throw new HttpError(ServerErrorCodes.UNAUTHORIZED, 'missing API key: send it in the x-api-key header');
    }
    const id = this.#keys.check(Array.isArray(header) ? undefined : header);
    if (!id) {
      this.#authFailures.fail(request.ip);
      throw new HttpError(ServerErrorCodes.UNAUTHORIZED, 'unknown API key (x-api-key)');
    }
    request.apiKeyId = id;
  }

  /**
   * Reserves the upload's bytes before its body is read, so that the uploads the server buffers at once never hold
   * more than maxInflightBytes: a declared Content-Length over the upload limit is refused at once (413, the body
   * never read), and a request that does not fit in what is left waits for nothing (503).
   */
  #reserveUpload(request: FastifyRequest, reply: FastifyReply): void {
    const { maxUploadBytes, maxInflightBytes } = this.config;
    const declared = declaredLength(request);
    if (declared !== undefined && declared > maxUploadBytes + FORM_OVERHEAD_BYTES) {
      throw new YoloError(ErrorCodes.IMAGE_TOO_LARGE, `file must be at most ${maxUploadBytes} bytes (the server's upload limit); the request declares ${declared} bytes`, 'file');
    }
    const need = declared ?? maxUploadBytes + FORM_OVERHEAD_BYTES;
    if (this.#uploadBytes + need > maxInflightBytes) {
      throw new HttpError(ServerErrorCodes.OVERLOADED, `the server is overloaded: ${this.#uploadBytes} bytes of uploads in flight (the limit is ${maxInflightBytes}); retry later`, { 'retry-after': '1' });
    }
    this.#uploadBytes += need;
    reply.raw.once('close', () => {
      this.#uploadBytes -= need;
    });
  }

  /** Upload bytes reserved by requests in flight. */
  get uploadBytesInFlight(): number {
    return this.#uploadBytes;
  }

  /** Refuses before the upload is read when the queue is already full. */
  #admit(): void {
    if (this.queue.full) {
      throw new HttpError(ServerErrorCodes.OVERLOADED, `the server is overloaded: ${this.queue.running} inferences running and ${this.queue.waiting} queued (the queue limit); retry later`, { 'retry-after': '1' });
    }
  }

  #observe(request: FastifyRequest, reply: FastifyReply): void {
    const labels = { model: request.modelLabel ?? 'none', status: String(reply.statusCode) };
    this.metrics.requests.inc(labels);
    this.metrics.duration.observe(labels, reply.elapsedTime / 1000);
  }

  /** The model file a request asks for. */
  #modelPath(fields: Record<string, string>): string {
    if (this.dedicatedPath) return this.dedicatedPath; // a dedicated endpoint serves its one model; `model` is ignored
    if (fields.model === undefined) {
      throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `model is required on the shared endpoint: ${HUB_PREFIX}<MODEL_ID>, a HUB id or a model name`, 'model');
    }
    return this.registry.resolve(fields.model);
  }

  async #infer(request: FastifyRequest, reply: FastifyReply): Promise<HubResponse | Buffer> {
    const started = Date.now();
    const abort = (request.abort = new AbortController());
    const { file, fields } = await readForm(request, this.config.maxUploadBytes);
    const options = formOptions(fields); // 400 naming the field, its HUB range and the value
    if (options.plot && native().isVideo(file)) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, 'plot=true takes an image upload; received a video', 'plot');
    if (this.config.maxPixels > 0) options.maxPixels = this.config.maxPixels;
    options.maxVideoFrames = this.config.maxFrames;
    options.signal = abort.signal;
    const path = this.#modelPath(fields);
    request.modelLabel = ModelRegistry.label(path);
    const left = () => Math.max(1, this.config.timeoutMs - (Date.now() - started));
    const releaseSlot = await this.queue.acquire(left());
    const leasing = this.registry.acquire(path, path === this.dedicatedPath);
    let l: Lease;
    try {
      l = await withTimeout(leasing, left(), this.config.timeoutMs, 'loading the model');
    } catch (e) {
      releaseSlot();
      leasing.then((late) => late.release(), () => undefined); // a load that outlived the timeout: give it back
      throw e;
    }
    const run = l.model.predict(file, options);
    // The slot and the model stay held until the native call really ends; a timed-out call is aborted, so that
    // happens at its next image or frame.
    run.finally(() => {
      l.release();
      releaseSlot();
    }).catch(() => undefined);
    let response: HubResponse;
    try {
      response = await withTimeout(run, left(), this.config.timeoutMs, 'the inference');
    } catch (e) {
      abort.abort();
      throw e;
    }
    if (!options.plot) return response;
    reply.type('image/jpeg');
    return response.images[0].plot as Buffer; // drawn from the pixels decoded for the inference
  }

  /** Starts listening; in dedicated mode loads and warms the model first. Resolves to the base URL. */
  async listen(options: ListenOptions = {}): Promise<string> {
    const env = process.env;
    const port = options.port ?? (env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : 3000);
    const host = options.host ?? (env.HOST || '127.0.0.1');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `port must be an integer in [0, 65535]; received ${JSON.stringify(options.port ?? env.PORT)}`, 'port');
    if (this.#redis) {
      try {
        await this.#redis.connect();
        await this.#redis.ping();
      } catch (e) {
        this.#redis.disconnect();
        throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `cannot reach Redis at ${redactUrl(this.config.redisUrl as string)}: ${(e as Error).message}`, 'redisUrl');
      }
    }
    if (this.dedicatedPath) {
      const lease = await this.registry.acquire(this.dedicatedPath, true);
      try {
        await lease.model.predict(WARMUP_PNG, { imgsz: 640 });
      } finally {
        lease.release();
      }
      this.#warm = true;
    }
    const address = await this.app.listen({ port, host });
    const a = this.app.server.address();
    this.#url = a && typeof a === 'object' ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : address;
    return this.#url;
  }

  /**
   * Graceful shutdown: new requests get 503 at once, requests in flight complete, then the listener closes and
   * the models are disposed. Safe to call more than once.
   */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#draining = true;
      this.#closing = (async () => {
        if (this.#inflight > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
        await this.app.close();
        await this.registry.close();
        if (this.#redis) await this.#redis.quit().catch(() => this.#redis?.disconnect());
      })();
    }
    return this.#closing;
  }
}

/** A HUB Inference API server (not yet listening: call listen()). */
export function createServer(options: ServerOptions = {}): YoloServer {
  return new YoloServer(options);
}
