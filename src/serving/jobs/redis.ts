// A job queue shared by several processes through Redis, on BullMQ (an optional dependency,
// loaded only when used). BullMQ holds the queue, the locks and the hand-over of a dead worker's
// job; Weir adds a Redis stream per job for its text, and cancellation over pub/sub.
import { Code, Metadata, RpcError, codeName } from "../../core/index.js";
import type { GenerateRequestMsg } from "../generation/types.js";
import { JOB_ID, newJobId, resolveJobQueueOptions, type JobQueueOptions, type ResolvedJobQueueOptions } from "./options.js";
import { readJobStream, type StreamRedis } from "./redis-stream.js";
import type { JobEvent, JobQueue, JobRecord, JobResult, JobRunner, JobStatus } from "./types.js";

/** Options of {@link createRedisJobQueue}. */
export interface RedisJobQueueOptions extends JobQueueOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  /** Name of the BullMQ queue (and prefix of Weir's keys). Default `weir-jobs`. */
  queueName?: string;
  /** A running job's lock: a worker that stops renewing it (killed) loses the job to another after this long. Default 30 000 ms. */
  lockMs?: number;
  /** Times a job may lose its worker before it fails. Default 3. */
  maxStalls?: number;
  /** Job event streams read at once from this process, each on a Redis connection of its own. Default 256. */
  maxEventReaders?: number;
}

type Bull = typeof import("bullmq");

/** Default of `maxEventReaders`. */
export const MAX_STREAM_READERS = 256;

async function loadBullMq(): Promise<Bull> {
  try {
    return await import("bullmq");
  } catch (e) {
    throw new RpcError(Code.FailedPrecondition, "a Redis job queue needs the bullmq package: npm install bullmq", { cause: e });
  }
}

/**
 * A job queue in Redis that several `weir serve` processes share: each runs up to `concurrency`
 * jobs; a job whose worker dies (its lock not renewed for `lockMs`) goes back to the queue and
 * another worker runs it again from the start (its event stream says `reset`), so no job is lost
 * and none completes twice.
 *
 * @example
 * const jobs = await createRedisJobQueue(generationJobRunner(client), { url: "redis://127.0.0.1:6379" });
 */
export async function createRedisJobQueue(run: JobRunner, options: RedisJobQueueOptions): Promise<JobQueue> {
  const bull = await loadBullMq();
  const o = resolveJobQueueOptions(options);
  const name = options.queueName ?? "weir-jobs";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new RpcError(Code.InvalidArgument, `queueName must be 1 to 64 letters, digits, - or _, got "${name}"`);
  const lockMs = options.lockMs ?? 30_000;
  if (!Number.isInteger(lockMs) || lockMs < 100) throw new RpcError(Code.InvalidArgument, `lockMs must be an integer >= 100, got ${lockMs}`);
  const IORedis = (await import("ioredis")).Redis;
  const connect = () => new IORedis(options.url, { maxRetriesPerRequest: null, lazyConnect: false });
  const maxReaders = options.maxEventReaders ?? MAX_STREAM_READERS;
  if (!Number.isInteger(maxReaders) || maxReaders < 1) throw new RpcError(Code.InvalidArgument, `maxEventReaders must be a positive integer, got ${maxReaders}`);
  const q = new RedisJobQueue(bull, connect, run, o, name, lockMs, options.maxStalls ?? 3, maxReaders);
  await q.start();
  return q;
}

class RedisJobQueue implements JobQueue {
  private readonly commands;
  private readonly subscriber;
  private readonly queue;
  private worker: InstanceType<Bull["Worker"]> | undefined;
  private readonly running = new Map<string, AbortController>();
  private readonly retentionS: number;
  private readers = 0;
  private readonly queueConnection;
  private workerConnection: import("ioredis").Redis | undefined;

  constructor(
    private readonly bull: Bull,
    private readonly connect: () => import("ioredis").Redis,
    private readonly run: JobRunner,
    private readonly o: ResolvedJobQueueOptions,
    private readonly name: string,
    private readonly lockMs: number,
    private readonly maxStalls: number,
    private readonly maxReaders: number,
  ) {
    this.commands = connect();
    this.subscriber = connect();
    this.queueConnection = connect();
    this.queue = new bull.Queue(name, { connection: this.queueConnection });
    this.retentionS = Math.ceil(o.retentionMs / 1000);
  }

  private key(kind: "text" | "cancelled", id: string): string {
    return `${this.name}:${kind}:${id}`;
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(`${this.name}:cancel`);
    this.subscriber.on("message", (_channel: string, id: string) => this.running.get(id)?.abort(new RpcError(Code.Canceled, "the job was cancelled")));
    this.workerConnection = this.connect();
    this.worker = new this.bull.Worker(this.name, (job) => this.process(job), {
      connection: this.workerConnection, concurrency: this.o.concurrency, lockDuration: this.lockMs, stalledInterval: this.lockMs, maxStalledCount: this.maxStalls,
    });
    this.worker.on("error", () => {}); // connection trouble: ioredis reconnects; jobs stay in Redis
    await this.worker.waitUntilReady();
  }

  async submit(request: GenerateRequestMsg): Promise<JobRecord> {
    const waiting = await this.queue.getWaitingCount();
    if (waiting >= this.o.maxQueued) {
      throw new RpcError(Code.ResourceExhausted, `${waiting} jobs are queued, the limit; retry later`, { metadata: new Metadata({ "retry-after": "1" }) });
    }
    const id = newJobId();
    const age = { age: this.retentionS, count: this.o.maxRetained };
    await this.queue.add("generation", { request }, { jobId: id, removeOnComplete: age, removeOnFail: age });
    return (await this.get(id))!;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    if (!JOB_ID.test(id)) return undefined;
    const job = await this.queue.getJob(id);
    if (job === undefined) return undefined;
    const state = await job.getState();
    const cancelled = (await this.commands.exists(this.key("cancelled", id))) === 1;
    const status: JobStatus = state === "completed" ? "completed"
      : state === "failed" ? (cancelled ? "cancelled" : "failed")
      : state === "active" ? "in_progress" : "queued";
    const failure = job.failedReason ? /^([A-Z_]+): (.*)$/s.exec(job.failedReason) : null;
    const seconds = (ms: number | undefined) => (ms === undefined || ms === null ? null : Math.floor(ms / 1000));
    return {
      id, object: "job", type: "generation", status, created_at: Math.floor(job.timestamp / 1000),
      started_at: seconds(job.processedOn), completed_at: status === "completed" || status === "failed" || status === "cancelled" ? seconds(job.finishedOn) : null,
      attempts: job.attemptsStarted ?? 0,
      result: status === "completed" ? (job.returnvalue as JobResult) : null,
      error: status === "failed" || status === "cancelled" ? { code: failure?.[1] ?? "UNKNOWN", message: failure?.[2] ?? job.failedReason ?? "" } : null,
    };
  }

  async cancel(id: string): Promise<JobRecord | undefined> {
    const job = JOB_ID.test(id) ? await this.queue.getJob(id) : undefined;
    if (job === undefined) return undefined;
    const state = await job.getState();
    if (state === "completed" || state === "failed") return this.get(id);
    await this.commands.set(this.key("cancelled", id), "1", "EX", this.retentionS);
    if (state !== "active") {
      await job.moveToFailed(new Error("CANCELLED: the job was cancelled before it started"), "0", false).catch(() => job.remove().catch(() => {}));
    } else {
      await this.commands.publish(`${this.name}:cancel`, id);
      const end = Date.now() + 10_000;
      while (Date.now() < end && (await job.getState()) === "active") await new Promise((r) => setTimeout(r, 20));
    }
    return this.get(id);
  }

  /** Each reader holds a Redis connection of its own (XREAD BLOCK): at most `maxEventReaders` at once. */
  events(id: string, signal: AbortSignal): AsyncIterable<JobEvent> {
    if (this.readers >= this.maxReaders) {
      throw new RpcError(Code.ResourceExhausted, `${this.readers} job event streams are open, the limit; retry later`, { metadata: new Metadata({ "retry-after": "1" }) });
    }
    this.readers++;
    const release = (): void => void this.readers--;
    const stream = readJobStream(this.connect() as unknown as StreamRedis, this.key("text", id), signal, () => this.get(id));
    return (async function* () {
      try {
        yield* stream;
      } finally {
        release();
      }
    })();
  }

  /**
   * Stop taking jobs. Jobs running here are left to their locks: once those expire, another worker
   * runs them again (this one's results are no longer taken).
   */
  async close(): Promise<void> {
    await this.worker?.close(true);
    await this.queue.close();
    // connections handed to BullMQ stay ours to close
    for (const c of [this.queueConnection, this.workerConnection, this.subscriber, this.commands]) c?.disconnect();
  }

  /** Run one job on this worker: its text into the job's stream, its end too. */
  private async process(job: import("bullmq").Job): Promise<JobResult> {
    const id = job.id!;
    const stream = this.key("text", id);
    if ((await this.commands.exists(this.key("cancelled", id))) === 1) throw new Error("CANCELLED: the job was cancelled before it started");
    const abort = new AbortController();
    this.running.set(id, abort);
    try {
      if (job.attemptsStarted > 1) await this.commands.xadd(stream, "MAXLEN", "~", "100000", "*", "type", "reset", "attempt", String(job.attemptsStarted));
      let chars = 0;
      const result = await this.run((job.data as { request: GenerateRequestMsg }).request, {
        signal: abort.signal,
        onText: (text) => {
          chars += text.length;
          if (chars <= this.o.maxTextChars) void this.commands.xadd(stream, "MAXLEN", "~", "100000", "*", "type", "text", "text", text).catch(() => {});
        },
      });
      return result;
    } catch (e) {
      const err = RpcError.from(e, Code.Internal);
      throw new Error(`${abort.signal.aborted ? "CANCELLED" : codeName(err.code)}: ${err.rawMessage}`);
    } finally {
      this.running.delete(id);
      await this.commands.xadd(stream, "*", "type", "end").catch(() => {});
      await this.commands.expire(stream, this.retentionS).catch(() => {});
    }
  }
}
