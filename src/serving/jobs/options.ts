import { resolveIntegerOptions } from "../../core/index.js";

/** Options shared by every job queue. */
export interface JobQueueOptions {
  /** Jobs this process runs at once. Default 4. */
  concurrency?: number;
  /** Jobs queued (not yet running) at once; one more is RESOURCE_EXHAUSTED. Default 1024. */
  maxQueued?: number;
  /** How long a finished job (its record, its text) is kept. Default 1 hour. */
  retentionMs?: number;
  /** Characters of text a job's event stream keeps for late readers. Default 1 MiB. */
  maxTextChars?: number;
  /** Finished jobs kept at once (the oldest go first, before their retention ends). Default 10 000. */
  maxRetained?: number;
}

/** Defaults of {@link JobQueueOptions}. */
export const JOB_QUEUE_DEFAULTS = Object.freeze({
  concurrency: 4,
  maxQueued: 1024,
  retentionMs: 3_600_000,
  maxTextChars: 1 << 20,
  maxRetained: 10_000,
});

export type ResolvedJobQueueOptions = Readonly<Record<keyof typeof JOB_QUEUE_DEFAULTS, number>>;

export function resolveJobQueueOptions(o: JobQueueOptions = {}): ResolvedJobQueueOptions {
  return resolveIntegerOptions("job queue", JOB_QUEUE_DEFAULTS, o, {
    concurrency: [1, 4096], maxQueued: [0, 1 << 24], retentionMs: [1, 30 * 86_400_000], maxTextChars: [1, 1 << 30], maxRetained: [1, 1 << 24],
  });
}

/** A job id: `job_` and 24 hex digits, unguessable (ids are the only key to a job). */
export function newJobId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `job_${Buffer.from(bytes).toString("hex")}`;
}

export const JOB_ID = /^job_[0-9a-f]{24}$/;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
