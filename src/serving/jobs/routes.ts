// The jobs API on the gateway, after OpenAI's batch API in shape (an object with an id and a
// status, POST …/cancel) for one generation per job:
//   POST /v1/jobs                {"request": {GenerateRequest}}  -> 202 job
//   GET  /v1/jobs/{id}           -> 200 job (with result or error once finished)
//   POST /v1/jobs/{id}/cancel    -> 200 job
//   GET  /v1/jobs/{id}/events    -> SSE: text, reset, end
import { Code, RpcError } from "../../core/index.js";
import type { ServerResponse } from "node:http";
import { sendError, sendJson, type GatewayContext, type HandlerRoute } from "../../gateway/index.js";
import { SseWriter } from "../../http/index.js";
import type { GenerateRequestMsg } from "../generation/types.js";
import type { JobEvent, JobQueue, JobRecord } from "./types.js";

const bad = (message: string) => new RpcError(Code.InvalidArgument, message);

/** The routes of the jobs API over `queue`, for `createGateway({ routes })`. */
export function jobRoutes(queue: JobQueue): HandlerRoute[] {
  const found = (job: JobRecord | undefined, id: string): JobRecord => {
    if (job === undefined) throw new RpcError(Code.NotFound, `no job ${id.slice(0, 64)} (never submitted, or its retention is over)`);
    return job;
  };
  return [
    jsonRoute("/v1/jobs", "POST", async (ctx, res) => {
      const job = await queue.submit(generateRequestOf(await ctx.readJson()));
      sendJson(res, 202, job, { location: `/v1/jobs/${job.id}` });
    }),
    jsonRoute("/v1/jobs/:id", "GET", async (ctx, res) => sendJson(res, 200, found(await queue.get(ctx.params["id"]!), ctx.params["id"]!))),
    jsonRoute("/v1/jobs/:id/cancel", "POST", async (ctx, res) => sendJson(res, 200, found(await queue.cancel(ctx.params["id"]!), ctx.params["id"]!))),
    {
      path: "/v1/jobs/:id/events", methods: ["GET"],
      async handle(_req, res, ctx) {
        const id = ctx.params["id"]!;
        let events: AsyncIterable<JobEvent>;
        try {
          found(await queue.get(id), id);
          events = queue.events(id, ctx.signal); // a refusal (too many readers) is a status, before the stream starts
        } catch (e) {
          return sendError(res, e);
        }
        const sse = new SseWriter(res);
        try {
          for await (const e of events) {
            const data = e.type === "text" ? { text: e.text } : e.type === "reset" ? { attempt: e.attempt } : e.job;
            await sse.send({ event: e.type, data: JSON.stringify(data) });
          }
        } catch (e) {
          if (!sse.signal.aborted) sse.write({ event: "error", data: JSON.stringify({ error: { message: RpcError.from(e).rawMessage } }) });
        } finally {
          sse.end();
        }
      },
    },
  ];
}

/** A route answering JSON; whatever it throws is answered as the gateway's JSON error. */
function jsonRoute(path: string, method: string, answer: (ctx: GatewayContext, res: ServerResponse) => Promise<void>): HandlerRoute {
  return {
    path, methods: [method],
    async handle(_req, res, ctx) {
      try {
        await answer(ctx, res);
      } catch (e) {
        sendError(res, e);
      }
    },
  };
}

/** `{"request": {...}}` (or `{"type": "generation", "request": {...}}`) checked field by field. */
export function generateRequestOf(body: unknown): GenerateRequestMsg {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad('the body must be {"request": {"prompt": "…"}}');
  const { type, request } = body as { type?: unknown; request?: unknown };
  if (type !== undefined && type !== "generation") throw bad(`job type must be "generation", got ${JSON.stringify(type).slice(0, 40)}`);
  if (typeof request !== "object" || request === null || Array.isArray(request)) throw bad("request must be an object: a generation request (prompt or messages, max_tokens…)");
  const r = request as Record<string, unknown>;
  const out: GenerateRequestMsg = {};
  const str = (k: string) => {
    if (r[k] === undefined) return undefined;
    if (typeof r[k] !== "string") throw bad(`request.${k} must be a string`);
    return r[k] as string;
  };
  const num = (k: string, integer = false) => {
    if (r[k] === undefined || r[k] === null) return undefined;
    if (typeof r[k] !== "number" || !Number.isFinite(r[k]) || (integer && !Number.isSafeInteger(r[k]))) throw bad(`request.${k} must be ${integer ? "an integer" : "a number"}`);
    return r[k] as number;
  };
  const model = str("model"), prompt = str("prompt");
  if (model !== undefined) out.model = model;
  if (prompt !== undefined) out.prompt = prompt;
  if (r["messages"] !== undefined) {
    if (!Array.isArray(r["messages"]) || !r["messages"].every((m) => typeof m?.role === "string" && typeof m?.content === "string")) {
      throw bad("request.messages must be a list of {role, content} strings");
    }
    out.messages = (r["messages"] as { role: string; content: string }[]).map((m) => ({ role: m.role, content: m.content }));
  }
  if (r["stop"] !== undefined) {
    if (!Array.isArray(r["stop"]) || !r["stop"].every((s) => typeof s === "string")) throw bad("request.stop must be a list of strings");
    out.stop = r["stop"] as string[];
  }
  const maxTokens = num("max_tokens", true), temperature = num("temperature"), topP = num("top_p"), seed = num("seed", true);
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  if (temperature !== undefined) out.temperature = temperature;
  if (topP !== undefined) out.top_p = topP;
  if (seed !== undefined) out.seed = seed;
  if (out.prompt === undefined && out.messages === undefined) throw bad("request needs a prompt or messages");
  return out;
}
