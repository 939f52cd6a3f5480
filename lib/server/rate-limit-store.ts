/**
 * The Redis rate-limit store of @fastify/rate-limit, with its failures typed where they happen: a Redis that is
 * down or answers with an error is a backing-service outage (503 E_UNAVAILABLE), not an internal error.
 */
import type { FastifyRateLimitOptions, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis as RedisClient } from 'ioredis';
import { HttpError, ServerErrorCodes } from './errors.js';

type Callback = (err: Error | null, res: { current: number; ttl: number } | null) => void;
interface Store {
  incr(key: string, cb: Callback, timeWindow?: number, max?: number): void;
  read?(key: string, cb: Callback, timeWindow?: number, max?: number): void;
  child(routeOptions: unknown): Store;
}

// The plugin's own store (its package has no exports map, so the file is reachable).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as new (continueExceeding: boolean, exponentialBackoff: boolean, redis: RedisClient, key: string) => Store;

function typed(cb: Callback): Callback {
  return (err, res) =>
    err ? cb(new HttpError(ServerErrorCodes.UNAVAILABLE, `the rate-limit store is unavailable: ${err.message}`, { 'retry-after': '1' }), null) : cb(null, res);
}

class TypedStore implements Store {
  readonly #inner: Store;
  constructor(inner: Store) {
    this.#inner = inner;
  }
  incr(key: string, cb: Callback, timeWindow?: number, max?: number): void {
    this.#inner.incr(key, typed(cb), timeWindow, max);
  }
  read(key: string, cb: Callback, timeWindow?: number, max?: number): void {
    this.#inner.read?.(key, typed(cb), timeWindow, max);
  }
  child(routeOptions: unknown): Store {
    return new TypedStore(this.#inner.child(routeOptions));
  }
}

/** A store class for @fastify/rate-limit's `store` option (it constructs it with its global parameters). */
export function redisStore(redis: RedisClient, nameSpace: string): FastifyRateLimitStoreCtor {
  return class extends TypedStore {
    constructor(params: FastifyRateLimitOptions & { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
      super(new RedisStore(params.continueExceeding ?? false, params.exponentialBackoff ?? false, redis, nameSpace));
    }
  } as unknown as FastifyRateLimitStoreCtor;
}
