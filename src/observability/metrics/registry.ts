import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";
import { registerEngineMetrics, type EngineCountersSource } from "./engine-metrics.js";
import { registerSchedulerMetrics, type SchedulerCounters } from "./scheduler-metrics.js";

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Engine counters to expose (see `registerEngineMetrics`). Default: none. */
  engine?: EngineCountersSource;
  /** A continuous-batching scheduler's figures to expose (see `registerSchedulerMetrics`). Default: none. */
  scheduler?: SchedulerCounters;
  /** Also expose prom-client's process and Node.js metrics (`process_resident_memory_bytes`, …). Default true. */
  processMetrics?: boolean;
  /** Labels added to every series, e.g. `{ service: "weir" }`. Default none. */
  labels?: Record<string, string>;
}

/** A Prometheus registry with Weir's metrics, and its text exposition. */
export interface Metrics {
  /** The prom-client registry: register more metrics on it. */
  readonly registry: Registry;
  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string>;
  /** A node:http handler answering the exposition (for `GET /metrics`). */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * Create a metrics registry. Each call gets its own registry (prom-client's global one is not
 * used), so several servers in one process do not clash.
 *
 * @example
 * const metrics = createMetrics({ engine: engine.stats });
 * http.createServer((req, res) => req.url === "/metrics" ? metrics.handle(req, res) : res.writeHead(404).end());
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  if (options.engine) registerEngineMetrics(registry, options.engine);
  if (options.scheduler) registerSchedulerMetrics(registry, options.scheduler);
  const text = () => registry.metrics();
  return {
    registry,
    text,
    handle(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
        return;
      }
      text().then(
        (body) => {
          res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
          res.end(req.method === "HEAD" ? undefined : body);
        },
        (e: unknown) => {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`metrics failed: ${e instanceof Error ? e.message : String(e)}\n`);
        },
      );
    },
  };
}

/**
 * Read one sample from exposition text: the value of `name` (without labels, or with exactly the
 * given label text such as `{code="200"}`), or undefined when absent. For tests and probes.
 *
 * @example
 * readMetric(await (await fetch(url + "/metrics")).text(), "weir_engine_active_sequences") // 0
 */
export function readMetric(text: string, name: string, labels = ""): number | undefined {
  const prefix = name + labels + " ";
  for (const line of text.split("\n")) {
    if (line.startsWith(prefix)) return Number(line.slice(prefix.length).split(" ")[0]);
  }
  return undefined;
}
