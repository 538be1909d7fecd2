import { Code, Metadata, RpcError, codeName } from "../../core/index.js";
import type { GenerateRequestMsg } from "../generation/types.js";
import { JobListeners } from "./live.js";
import { JOB_ID, newJobId, nowSeconds, resolveJobQueueOptions, type JobQueueOptions, type ResolvedJobQueueOptions } from "./options.js";
import type { JobEvent, JobQueue, JobRecord, JobRunner } from "./types.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface MemoryJob {
  record: Mutable<JobRecord>;
  readonly request: GenerateRequestMsg;
  text: string;
  readonly listeners: JobListeners;
  abort: AbortController | undefined;
  finished: Promise<void> | undefined;
}

/**
 * The job queue of one process (the default of `weir serve`): jobs wait in memory, `concurrency`
 * of them run at once, finished ones are kept for `retentionMs`. Jobs do not outlive the process;
 * for that, and for several workers, use {@link createRedisJobQueue}.
 *
 * @example
 * const jobs = createMemoryJobQueue(runGeneration, { concurrency: 4 });
 * const { id } = await jobs.submit({ prompt: "The river", max_tokens: 64 });
 */
export function createMemoryJobQueue(run: JobRunner, options: JobQueueOptions = {}): JobQueue {
  return new MemoryJobQueue(run, resolveJobQueueOptions(options));
}

class MemoryJobQueue implements JobQueue {
  private readonly jobs = new Map<string, MemoryJob>();
  private readonly queue: MemoryJob[] = [];
  /** Finished jobs, oldest first, with the time their retention ends. */
  private readonly finished: { id: string; until: number }[] = [];
  private running = 0;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly run: JobRunner, private readonly o: ResolvedJobQueueOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, o.retentionMs)).unref();
  }

  async submit(request: GenerateRequestMsg): Promise<JobRecord> {
    if (this.closed) throw new RpcError(Code.Unavailable, "the job queue is closed");
    if (this.queue.length >= this.o.maxQueued) {
      throw new RpcError(Code.ResourceExhausted, `${this.queue.length} jobs are queued, the limit; retry later`, { metadata: new Metadata({ "retry-after": "1" }) });
    }
    const record: Mutable<JobRecord> = {
      id: newJobId(), object: "job", type: "generation", status: "queued", created_at: nowSeconds(),
      started_at: null, completed_at: null, attempts: 0, result: null, error: null,
    };
    const job: MemoryJob = { record, request, text: "", listeners: new JobListeners(), abort: undefined, finished: undefined };
    this.jobs.set(record.id, job);
    this.queue.push(job);
    this.pump();
    return { ...record };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const job = JOB_ID.test(id) ? this.jobs.get(id) : undefined;
    return job && { ...job.record };
  }

  async cancel(id: string): Promise<JobRecord | undefined> {
    const job = JOB_ID.test(id) ? this.jobs.get(id) : undefined;
    if (job === undefined) return undefined;
    if (job.record.status === "queued") {
      this.queue.splice(this.queue.indexOf(job), 1);
      this.end(job, "cancelled", null, null);
    } else if (job.record.status === "in_progress") {
      job.abort!.abort(new RpcError(Code.Canceled, "the job was cancelled"));
      await job.finished;
    }
    return { ...job.record };
  }

  async *events(id: string, signal: AbortSignal): AsyncGenerator<JobEvent> {
    const job = JOB_ID.test(id) ? this.jobs.get(id) : undefined;
    if (job === undefined) throw new RpcError(Code.NotFound, `no job ${id.slice(0, 64)}`);
    const live = job.listeners.subscribe(signal); // before the replay: nothing falls between the two
    const done = job.record.status !== "queued" && job.record.status !== "in_progress";
    try {
      if (job.text !== "") yield { type: "text", text: job.text };
      if (done) return yield { type: "end", job: { ...job.record } };
      yield* live;
    } finally {
      await live.return?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const job of this.queue.splice(0)) this.end(job, "cancelled", null, { code: "UNAVAILABLE", message: "the server shut down" });
    await Promise.all([...this.jobs.values()].map((j) => {
      j.abort?.abort(new RpcError(Code.Unavailable, "the server shut down"));
      return j.finished;
    }));
  }

  private pump(): void {
    while (!this.closed && this.running < this.o.concurrency && this.queue.length > 0) this.start(this.queue.shift()!);
  }

  private start(job: MemoryJob): void {
    this.running++;
    const r = job.record;
    r.status = "in_progress";
    r.started_at = nowSeconds();
    r.attempts++;
    job.abort = new AbortController();
    const onText = (text: string): void => {
      if (job.text.length + text.length <= this.o.maxTextChars) job.text += text;
      job.listeners.publish({ type: "text", text });
    };
    job.finished = this.run(job.request, { signal: job.abort.signal, onText }).then(
      (result) => this.end(job, "completed", result, null),
      (e: unknown) => {
        const err = RpcError.from(e, Code.Internal);
        if (job.abort!.signal.aborted) this.end(job, "cancelled", null, { code: "CANCELLED", message: err.rawMessage });
        else this.end(job, "failed", null, { code: codeName(err.code), message: err.rawMessage });
      },
    ).finally(() => {
      this.running--;
      this.pump();
    });
  }

  private end(job: MemoryJob, status: "completed" | "failed" | "cancelled", result: JobRecord["result"], error: JobRecord["error"]): void {
    const r = job.record;
    Object.assign(r, { status, result, error, completed_at: nowSeconds() });
    job.listeners.publish({ type: "end", job: { ...r } });
    this.finished.push({ id: r.id, until: Date.now() + this.o.retentionMs });
    while (this.finished.length > this.o.maxRetained) this.jobs.delete(this.finished.shift()!.id);
  }

  private sweep(): void {
    const now = Date.now();
    while (this.finished.length > 0 && this.finished[0]!.until <= now) this.jobs.delete(this.finished.shift()!.id);
  }
}
