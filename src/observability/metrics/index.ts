export { createMetrics, readMetric, type Metrics, type MetricsOptions } from "./registry.js";
export { registerEngineMetrics, ENGINE_METRIC_NAMES, type EngineCounters, type EngineCountersSource } from "./engine-metrics.js";
export { registerSchedulerMetrics, type SchedulerCounters, type HistogramCounts } from "./scheduler-metrics.js";
