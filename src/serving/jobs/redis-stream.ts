import { Code, RpcError } from "../../core/index.js";
import type { JobEvent, JobRecord } from "./types.js";

/** The part of an ioredis client a stream reader needs. */
export interface StreamRedis {
  xread(...args: (string | number)[]): Promise<[string, [string, string[]][]][] | null>;
  disconnect(): void;
}

/**
 * Read a job's Redis stream from its start: text and reset events, then, at its end entry, the
 * job's final record. Each reader has a connection of its own (XREAD BLOCK holds it), closed when
 * the reader ends or its signal aborts.
 */
export async function* readJobStream(redis: StreamRedis, key: string, signal: AbortSignal, record: () => Promise<JobRecord | undefined>): AsyncGenerator<JobEvent> {
  const onAbort = (): void => redis.disconnect();
  signal.addEventListener("abort", onAbort, { once: true });
  let last = "0";
  try {
    while (!signal.aborted) {
      const reply = await redis.xread("COUNT", 256, "BLOCK", 1000, "STREAMS", key, last).catch((e: unknown) => {
        if (signal.aborted) return null;
        throw new RpcError(Code.Unavailable, `reading the job's events from Redis failed: ${(e as Error).message}`);
      });
      if (reply === null) {
        const job = await record();
        if (job === undefined) throw new RpcError(Code.NotFound, "the job is gone (its retention is over)");
        continue;
      }
      for (const [entryId, fields] of reply[0]![1]) {
        last = entryId;
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
        if (f["type"] === "text") yield { type: "text", text: f["text"] ?? "" };
        else if (f["type"] === "reset") yield { type: "reset", attempt: Number(f["attempt"]) };
        else if (f["type"] === "end") {
          const job = await record();
          if (job !== undefined && job.status !== "queued" && job.status !== "in_progress") return yield { type: "end", job };
          // an attempt ended without finishing the job (its worker is shutting down): another follows
        }
      }
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    redis.disconnect();
  }
}
