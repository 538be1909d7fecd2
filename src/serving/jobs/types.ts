import type { GenerateRequestMsg, UsageMsg } from "../generation/types.js";

/** Where a job is: OpenAI's batch states, reduced to those a single generation goes through. */
export type JobStatus = "queued" | "in_progress" | "completed" | "failed" | "cancelled";

/** What a finished generation job holds. */
export interface JobResult {
  readonly model: string;
  readonly text: string;
  readonly finish_reason: string;
  readonly usage: UsageMsg;
}

/** One job as the API shows it (`GET /v1/jobs/{id}`). Times are Unix seconds. */
export interface JobRecord {
  readonly id: string;
  readonly object: "job";
  readonly type: "generation";
  readonly status: JobStatus;
  readonly created_at: number;
  readonly started_at: number | null;
  readonly completed_at: number | null;
  /** Runs started: more than 1 when a worker died and another took the job over. */
  readonly attempts: number;
  readonly result: JobResult | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/**
 * One event of a job's token stream: `text` for generated text, `reset` when a new attempt starts
 * over (the text so far is void), `end` once with the final record.
 */
export type JobEvent =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "reset"; readonly attempt: number }
  | { readonly type: "end"; readonly job: JobRecord };

/** Runs one generation for a job: calls `onText` for each piece of text, resolves with the result. */
export type JobRunner = (request: GenerateRequestMsg, ctx: { readonly signal: AbortSignal; onText(text: string): void }) => Promise<JobResult>;

/**
 * A queue of generation jobs and the workers that drain it: in process ({@link createMemoryJobQueue})
 * or shared by several processes through Redis ({@link createRedisJobQueue}).
 */
export interface JobQueue {
  /** Queue a generation; RESOURCE_EXHAUSTED when the queue is full. */
  submit(request: GenerateRequestMsg): Promise<JobRecord>;
  /** The job, or undefined when it never was or its retention is over. */
  get(id: string): Promise<JobRecord | undefined>;
  /** Cancel a queued or running job; the record after the cancel (a finished job stays as it is). */
  cancel(id: string): Promise<JobRecord | undefined>;
  /** The job's text from its start, then live, until `end`; stops when `signal` aborts. */
  events(id: string, signal: AbortSignal): AsyncIterable<JobEvent>;
  /** Stop taking jobs, cancel running ones (a shared queue hands them to another worker), release resources. */
  close(): Promise<void>;
}
