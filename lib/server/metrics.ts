/** Prometheus metrics (prom-client), one registry per server so several servers can live in one process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'model' | 'status'>;
  duration: Histogram<'model' | 'status'>;
  inflight: Gauge;
  queued: Gauge;
  resident: Gauge;
}

export function createMetrics(sample: { inflight: () => number; queued: () => number; resident: () => number }): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'yolo_native_' });
  const requests = new Counter({
    name: 'yolo_native_requests_total',
    help: 'Inference requests (POST /) by model and HTTP status',
    labelNames: ['model', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'yolo_native_request_duration_seconds',
    help: 'Inference request latency (receive, queue, decode, inference, reply) by model and HTTP status',
    labelNames: ['model', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // Gauges read at scrape time from the server's own counters.
  const sampled = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  const inflight = sampled('yolo_native_inflight_requests', 'Inference requests being handled now', sample.inflight);
  const queued = sampled('yolo_native_queued_requests', 'Inference requests waiting for a free inference slot', sample.queued);
  const resident = sampled('yolo_native_models_resident', 'Models loaded (or loading) now', sample.resident);
  return { registry, requests, duration, inflight, queued, resident };
}
