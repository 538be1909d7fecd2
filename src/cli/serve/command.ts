import type { CliIo, Command } from "../io.js";
import { parseServeArgs, SERVE_USAGE } from "./options.js";
import { startServe, type RunningServe } from "./serve.js";

/**
 * `weir serve`: start, print the URLs, and on SIGINT or SIGTERM drain and exit (a second signal
 * exits at once).
 */
export const serveCommand: Command = {
  name: "serve",
  summary: "run the model server and the HTTP gateway (chat page, SSE, WebSocket, OpenAI API, metrics)",
  usage: SERVE_USAGE,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const options = parseServeArgs(args);
    const running = await startServe(options);
    io.out(banner(running));
    await untilSignal(io);
    io.out("weir serve: draining…\n");
    await running.close();
    io.out("weir serve: stopped\n");
    return 0;
  },
};

function engineOf(s: RunningServe, pace: string): string {
  if (s.options.model !== "") return `ONNX Runtime, context ${s.engine.info().contextLength} tokens, from ${s.options.model}`;
  if (s.options.upstream !== "") return `OpenAI-compatible upstream ${s.options.upstream}`;
  return `built-in n-gram engine, ${pace}`;
}

/** The lines `weir serve` prints once both servers listen. Tests wait for the `chat` line. */
export function banner(s: RunningServe): string {
  const info = s.engine.info();
  const pace = s.options.tokensPerSecond > 0 ? `${s.options.tokensPerSecond} tokens/s per generation` : "full speed";
  return [
    `weir serve: model ${info.id} (${engineOf(s, pace)})`,
    `  chat      ${s.httpUrl}/`,
    `  openai    ${s.httpUrl}/v1`,
    `  sse       ${s.httpUrl}/api/generate?prompt=Hello`,
    `  ws        ${s.httpUrl.replace(/^http/, "ws")}/api/generate/ws`,
    `  metrics   ${s.httpUrl}/metrics`,
    `  grpc      ${s.rpcAddress} (weir.generation.v1.Generation, inference.GRPCInferenceService; Thrift: Generation)`,
    `  oip       ${s.httpUrl}/v2 (models: ${s.models.join(", ")})`,
    "Ctrl-C to stop",
    "",
  ].join("\n");
}

function untilSignal(io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.once("SIGINT", () => exitNow(io, "SIGINT"));
      process.once("SIGTERM", () => exitNow(io, "SIGTERM"));
      io.out(`weir serve: ${signal}\n`);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

function exitNow(io: CliIo, signal: string): void {
  io.err(`weir serve: ${signal} again, exiting without draining\n`);
  process.exit(130);
}
