/**
 * createServer, loaded lazily: importing yolo-native does not load Fastify, prom-client or ioredis until a server
 * is created.
 */
import type { ServerOptions } from './config.js';
import type { YoloServer } from './server.js';

export type { ServerOptions, ResolvedServerOptions } from './config.js';
export type { YoloServer, ListenOptions } from './server.js';

/**
 * A drop-in server of the Ultralytics HUB Inference API (POST / multipart: file, model, imgsz, conf, iou; header
 * x-api-key). Not yet listening: `await server.listen({ port, host })`, later `await server.close()` (drains).
 */
export function createServer(options: ServerOptions = {}): YoloServer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./server.js') as typeof import('./server.js')).createServer(options);
}
