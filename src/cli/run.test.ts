import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import type { CliIo } from "./io.js";
import { runCli } from "./run.js";
import { parseServeArgs, SERVE_DEFAULTS } from "./serve/options.js";
import { weirVersion } from "./version.js";
import { onceWithin } from "../../test/helpers/wait.js";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; } };
  const code = await runCli(argv, io);
  return { code, out, err };
}

describe("weir (the program)", () => {
  it("prints the package's version", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    assert.equal(weirVersion(), pkg.version);
    assert.deepEqual(await run("--version"), { code: 0, out: `weir ${pkg.version}\n`, err: "" });
  });

  it("lists the commands without arguments and with help; help of a command is its usage", async () => {
    for (const argv of [[], ["help"], ["--help"]]) {
      const r = await run(...argv);
      assert.equal(r.code, 0);
      assert.match(r.out, /^ {2}serve +run the model server/m);
    }
    const serve = await run("help", "serve");
    assert.match(serve.out, /--http-port <port>/);
    assert.equal((await run("serve", "--help")).out, serve.out);
  });

  it("refuses an unknown command or flag with exit code 2 and says why", async () => {
    const unknown = await run("frobnicate");
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command "frobnicate"/);
    const flag = await run("serve", "--htp-port=1");
    assert.equal(flag.code, 2);
    assert.match(flag.err, /Unknown option '--htp-port'/);
    const port = await run("serve", "--http-port=70000");
    assert.equal(port.code, 2);
    assert.match(port.err, /--http-port must be a port in 0\.\.65535, got 70000/);
  });
});

describe("weir serve start-up failures", () => {
  it("says which port is taken and which flag changes it (exit code 1)", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await onceWithin(taken, "listening");
    const port = (taken.address() as { port: number }).port;
    try {
      const http = await run("serve", `--http-port=${port}`, "--rpc-port=0");
      assert.equal(http.code, 1);
      assert.match(http.err, new RegExp(`the HTTP gateway cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*choose another with --http-port`));
      const rpc = await run("serve", "--http-port=0", `--rpc-port=${port}`);
      assert.equal(rpc.code, 1);
      assert.match(rpc.err, /the model server cannot listen on .*choose another with --rpc-port/);
    } finally {
      taken.close();
    }
  });
});

describe("weir serve flags", () => {
  it("defaults to 127.0.0.1, HTTP 8080, gRPC 9090", () => {
    assert.deepEqual(parseServeArgs([]), SERVE_DEFAULTS);
    assert.equal(SERVE_DEFAULTS.host, "127.0.0.1");
    assert.equal(SERVE_DEFAULTS.httpPort, 8080);
    assert.equal(SERVE_DEFAULTS.rpcPort, 9090);
  });

  it("takes --flag=value and --flag value", () => {
    const o = parseServeArgs(["--host", "0.0.0.0", "--http-port=0", "--rpc-port", "9191", "--tokens-per-second=0", "--grace-ms=100", "--max-tokens-limit=10", "--max-prompt-chars=100", "--max-http-connections=5", "--max-rpc-connections=64"]);
    assert.deepEqual({ ...o }, { ...SERVE_DEFAULTS, host: "0.0.0.0", httpPort: 0, rpcPort: 9191, tokensPerSecond: 0, graceMs: 100, maxTokensLimit: 10, maxPromptChars: 100, maxHttpConnections: 5, maxRpcConnections: 64, allowedHosts: ["*"] });
  });

  it("the gateway's bounds: upstream connections, queue and wait, request and stream deadlines", () => {
    assert.deepEqual(
      [SERVE_DEFAULTS.upstreamConnections, SERVE_DEFAULTS.upstreamQueue, SERVE_DEFAULTS.upstreamWaitMs, SERVE_DEFAULTS.requestTimeoutMs, SERVE_DEFAULTS.streamTimeoutMs],
      [8, 1024, 500, 60_000, 600_000],
    );
    const o = parseServeArgs(["--upstream-connections=2", "--upstream-queue=0", "--upstream-wait-ms=500", "--request-timeout-ms=1000", "--stream-timeout-ms=9000"]);
    assert.deepEqual([o.upstreamConnections, o.upstreamQueue, o.upstreamWaitMs, o.requestTimeoutMs, o.streamTimeoutMs], [2, 0, 500, 1000, 9000]);
    assert.throws(() => parseServeArgs(["--upstream-connections=0"]), /--upstream-connections must be a whole number, 1 or more, got 0/);
    assert.throws(() => parseServeArgs(["--upstream-wait-ms=soon"]), /--upstream-wait-ms needs a number/);
  });

  it("the bounds of resumable streams: grace, retention, in all and per client", () => {
    assert.deepEqual(
      [SERVE_DEFAULTS.resumeGraceMs, SERVE_DEFAULTS.resumeRetentionMs, SERVE_DEFAULTS.resumeMaxStreams, SERVE_DEFAULTS.resumePerClient],
      [10_000, 60_000, 256, 16],
    );
    const o = parseServeArgs(["--resume-grace-ms=500", "--resume-retention-ms=9000", "--resume-max-streams=10", "--resume-per-client=2"]);
    assert.deepEqual([o.resumeGraceMs, o.resumeRetentionMs, o.resumeMaxStreams, o.resumePerClient], [500, 9000, 10, 2]);
    assert.throws(() => parseServeArgs(["--resume-per-client=0"]), /--resume-per-client must be a whole number, 1 or more, got 0/);
  });

  it("rejects values that are not numbers, the same port twice and positionals", () => {
    assert.throws(() => parseServeArgs(["--rpc-port=abc"]), /--rpc-port needs a number, got "abc"/);
    assert.throws(() => parseServeArgs(["--http-port=9000", "--rpc-port=9000"]), /must differ/);
    assert.throws(() => parseServeArgs(["--tokens-per-second=-1"]), /--tokens-per-second must be in/);
    assert.throws(() => parseServeArgs(["--max-prompt-chars=0"]), /--max-prompt-chars must be a positive integer/);
    assert.throws(() => parseServeArgs(["--max-message-bytes=10"]), /--max-message-bytes must be an integer from 1024/);
    assert.deepEqual([SERVE_DEFAULTS.modelRepository, SERVE_DEFAULTS.maxMessageBytes], ["", 16 << 20]);
    assert.equal(parseServeArgs(["--model-repository=/srv/models"]).modelRepository, "/srv/models");
    assert.throws(() => parseServeArgs(["--max-rpc-connections=0"]), /--max-rpc-connections must be a positive integer/);
    assert.throws(() => parseServeArgs(["extra"]), /Unexpected argument 'extra'/);
  });
});
