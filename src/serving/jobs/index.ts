export { createMemoryJobQueue } from "./memory.js";
export { createRedisJobQueue, type RedisJobQueueOptions } from "./redis.js";
export { generationJobRunner, type GenerateStreamClient } from "./runner.js";
export { jobRoutes, generateRequestOf } from "./routes.js";
export { JOB_QUEUE_DEFAULTS, type JobQueueOptions } from "./options.js";
export type { JobQueue, JobRecord, JobResult, JobStatus, JobEvent, JobRunner } from "./types.js";
