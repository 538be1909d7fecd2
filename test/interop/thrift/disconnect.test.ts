/**
 * A Thrift client that drops its connection mid-call stops the handler: `ctx.signal` aborts with
 * CANCELLED within 50 ms of the socket's close, for Apache Thrift's Python client over framed,
 * buffered and THeader, and for a TTHeader call (a golden frame of specs/kitex.md on a raw socket).
 * And deadlines: THeader's `client_timeout` header and TTHeader's RPC-timeout key abort the
 * handler's signal with DEADLINE_EXCEEDED; framed and buffered carry none, so a server time limit
 * (`timeout()`) does.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import path from "node:path";
import { createInterface, type Interface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { Code, RpcError, createClient, type ServerCallContext } from "../../../src/index.js";
import { timeout } from "../../../src/governance/index.js";
import { listenAllProtocols, type MultiProtocolServer } from "../../../src/transport/detection/serve.js";
import { createServer } from "../../../src/transport/grpc/grpc-server.js";
import { createThriftTransport } from "../../../src/transport/thrift/client.js";
import { Echo, echoImpl } from "../../../examples/thrift-echo/service.js";
import { GOLDEN_FRAMES } from "../ttheader/golden-frames.js";
import { PEERS, PYTHON, generateStubs, peersMissing } from "./peers.js";

/** The bound of the must-show: from the socket's close to the handler's abort. */
const ABORT_WITHIN_MS = 50;
/** How long any one wait of these tests may take before it fails the test. */
const WAIT_MS = 5_000;

/** Epoch ms with sub-ms precision, comparable with Python's `time.time() * 1000`. */
const now = (): number => performance.timeOrigin + performance.now();

/** One held call: its context, and when its signal aborted. */
interface Held { readonly ctx: ServerCallContext; readonly aborted: Promise<{ at: number; reason: RpcError }> }

/** Calls to ping("hold") (and the golden frame's ping("hello")), in arrival order. */
class HeldCalls {
  private readonly waiting: ((h: Held) => void)[] = [];
  private readonly arrived: Held[] = [];

  add(ctx: ServerCallContext): Promise<never> {
    const aborted = new Promise<{ at: number; reason: RpcError }>((resolve) => {
      const done = () => resolve({ at: now(), reason: RpcError.from(ctx.signal.reason) });
      if (ctx.signal.aborted) done();
      else ctx.signal.addEventListener("abort", done, { once: true });
    });
    const held: Held = { ctx, aborted };
    const w = this.waiting.shift();
    if (w) w(held);
    else this.arrived.push(held);
    return aborted.then(({ reason }) => { throw reason; });
  }

  next(): Promise<Held> {
    const h = this.arrived.shift();
    if (h) return Promise.resolve(h);
    return bounded(new Promise((resolve) => this.waiting.push(resolve)), "no held call arrived");
  }
}

function bounded<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** py_drop.py: a python3-thrift client that sends ping("hold") and then closes or reads the reply on command. */
class PyDrop {
  readonly lines: Interface;
  private readonly queue: string[] = [];
  private readonly waiters: ((line: string) => void)[] = [];
  output = "";

  constructor(readonly child: ChildProcess) {
    child.stderr!.on("data", (d: Buffer) => { this.output += d.toString(); });
    this.lines = createInterface({ input: child.stdout! });
    this.lines.on("line", (line) => {
      this.output += `${line}\n`;
      const w = this.waiters.shift();
      if (w) w(line);
      else this.queue.push(line);
    });
  }

  line(): Promise<string> {
    const l = this.queue.shift();
    if (l !== undefined) return Promise.resolve(l);
    return bounded(new Promise((resolve) => this.waiters.push(resolve)), `py_drop said nothing (output so far: ${this.output})`);
  }

  send(cmd: string): void {
    this.child.stdin!.write(`${cmd}\n`);
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

const TRANSPORTS = [
  { name: "framed binary", flags: ["--transport=framed", "--protocol=binary"] },
  { name: "framed compact", flags: ["--transport=framed", "--protocol=compact"] },
  { name: "buffered binary", flags: ["--transport=buffered", "--protocol=binary"] },
  { name: "THeader binary", flags: ["--transport=header", "--protocol=binary"] },
  { name: "THeader compact", flags: ["--transport=header", "--protocol=compact"] },
] as const;

const missing = process.env.CI === "true" ? undefined : peersMissing();

describe("a Thrift client that drops the connection mid-call aborts the handler", { skip: missing, timeout: 60_000 }, () => {
  const held = new HeldCalls();
  let weir: MultiProtocolServer;
  let stubs: ReturnType<typeof generateStubs>;
  const children: PyDrop[] = [];

  const startPy = async (flags: readonly string[]): Promise<PyDrop> => {
    const child = spawn(PYTHON, [path.join(PEERS, "py_drop.py"), `--gen=${stubs.py}`, `--port=${weir.address.port}`, ...flags], { stdio: ["pipe", "pipe", "pipe"] });
    const py = new PyDrop(child);
    children.push(py);
    assert.equal(await py.line(), "SENT");
    return py;
  };

  before(async () => {
    stubs = generateStubs();
    const impl = echoImpl();
    const hold = ({ msg }: { msg: string }, ctx: ServerCallContext) => (msg === "hold" || msg === "hello" ? held.add(ctx) : msg);
    const server = createServer({ health: false, reflection: false }).service(Echo, { ...impl, ping: hold });
    weir = await listenAllProtocols(server, { host: "127.0.0.1", port: 0, log: () => {}, thrift: { fallbackService: "Echo" } });
  });

  after(async () => {
    for (const c of children) c.stop();
    await weir?.close({ graceMs: 100 });
    stubs?.remove();
  });

  for (const t of TRANSPORTS) {
    it(`python3-thrift ${t.name}: ctx.signal aborts within ${ABORT_WITHIN_MS} ms of the close`, async () => {
      const py = await startPy(t.flags);
      const call = await held.next();
      assert.equal(call.ctx.signal.aborted, false, "the call is running before the close");
      py.send("close");
      const closed = /^CLOSED ([\d.]+)$/.exec(await py.line());
      assert.ok(closed, "py_drop closed its socket");
      const { at, reason } = await bounded(call.aborted, "the handler's ctx.signal did not abort after the client closed");
      assert.equal(reason.code, Code.Canceled);
      const ms = at - Number(closed[1]);
      assert.ok(ms <= ABORT_WITHIN_MS, `ctx.signal aborted ${ms.toFixed(1)} ms after the close (bound ${ABORT_WITHIN_MS} ms)`);
    });
  }

  it(`TTHeader (golden frame 13.1 on a raw socket): ctx.signal aborts within ${ABORT_WITHIN_MS} ms of the close`, async () => {
    const socket = connect(weir.address.port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write(Buffer.from(GOLDEN_FRAMES.find((f) => f.id === "13.1")!.hex, "hex"));
    const call = await held.next();
    assert.equal(call.ctx.protocol, "ttheader");
    const closedAt = now();
    socket.destroy();
    const { at, reason } = await bounded(call.aborted, "the handler's ctx.signal did not abort after the client closed");
    assert.equal(reason.code, Code.Canceled, `reason: ${reason.message}`);
    const ms = at - closedAt;
    assert.ok(ms <= ABORT_WITHIN_MS, `ctx.signal aborted ${ms.toFixed(1)} ms after the close (bound ${ABORT_WITHIN_MS} ms)`);
  });

  it("TTHeader: a client that aborts its call closes the connection, and the handler stops", async () => {
    const transport = createThriftTransport({ target: `127.0.0.1:${weir.address.port}`, transport: "ttheader" });
    try {
      const client = createClient(Echo, transport);
      const ac = new AbortController();
      const pending = client.ping({ msg: "hold" }, { signal: ac.signal });
      pending.catch(() => {}); // judged below
      const call = await held.next();
      const abortedAt = now();
      ac.abort();
      await assert.rejects(pending, (e: RpcError) => e.code === Code.Canceled);
      const { at, reason } = await bounded(call.aborted, "the handler's ctx.signal did not abort after the client aborted");
      assert.equal(reason.code, Code.Canceled);
      assert.ok(at - abortedAt <= ABORT_WITHIN_MS, `ctx.signal aborted ${(at - abortedAt).toFixed(1)} ms after the client's abort`);
    } finally {
      await transport.close();
    }
  });

  describe("deadlines", () => {
    const DEADLINE_MS = 150;

    it("THeader client_timeout: ctx.signal aborts with DEADLINE_EXCEEDED and the client gets an exception", async () => {
      for (const protocol of ["binary", "compact"]) {
        const started = now();
        const py = await startPy(["--transport=header", `--protocol=${protocol}`, `--timeout-ms=${DEADLINE_MS}`]);
        const call = await held.next();
        assert.ok(call.ctx.deadline !== undefined, "ctx.deadline is set from client_timeout");
        const { at, reason } = await bounded(call.aborted, "the deadline did not abort ctx.signal");
        assert.equal(reason.code, Code.DeadlineExceeded);
        assert.ok(at - started >= DEADLINE_MS - 5, `aborted after ${(at - started).toFixed(0)} ms, before the deadline`);
        py.send("reply");
        assert.match(await py.line(), /^ERROR TApplicationException .*deadline/i);
      }
    });

    for (const t of TRANSPORTS.filter((x) => !x.name.startsWith("THeader"))) {
      it(`${t.name} (no deadline on the wire): a server time limit aborts ctx.signal with DEADLINE_EXCEEDED`, async () => {
        // the server of `before` has no time limit: this one has
        const limited = createServer({ health: false, reflection: false })
          .service(Echo, { ...echoImpl(), ping: ({ msg }, ctx) => (msg === "hold" ? held.add(ctx) : msg) }, { middleware: [timeout({ timeoutMs: DEADLINE_MS })] });
        const srv = await listenAllProtocols(limited, { host: "127.0.0.1", port: 0, log: () => {}, thrift: { fallbackService: "Echo" } });
        try {
          const child = spawn(PYTHON, [path.join(PEERS, "py_drop.py"), `--gen=${stubs.py}`, `--port=${srv.address.port}`, ...t.flags], { stdio: ["pipe", "pipe", "pipe"] });
          const py = new PyDrop(child);
          children.push(py);
          assert.equal(await py.line(), "SENT");
          const call = await held.next();
          const { reason } = await bounded(call.aborted, "the time limit did not abort ctx.signal");
          assert.equal(reason.code, Code.DeadlineExceeded);
          py.send("reply");
          assert.match(await py.line(), /^ERROR TApplicationException .*deadline/i);
        } finally {
          await srv.close({ graceMs: 100 });
        }
      });
    }

    it("TTHeader RPC timeout: ctx.signal aborts with DEADLINE_EXCEEDED and the client gets an exception reply", async () => {
      // golden frame 13.1 with its RPCTimeout key's value "1000" made "0150" (same length: 150 ms)
      const hex = GOLDEN_FRAMES.find((f) => f.id === "13.1")!.hex.replace("000c000431303030", "000c000430313530");
      const socket = connect(weir.address.port, "127.0.0.1");
      socket.on("error", () => {});
      try {
        const reply = bounded(new Promise<Buffer>((resolve) => socket.once("data", resolve)), "no reply arrived"); // bounded: bounded()
        socket.write(Buffer.from(hex, "hex"));
        const call = await held.next();
        assert.equal(call.ctx.deadline !== undefined && Math.round(call.ctx.timeRemaining()! / 50), 3, "ctx.deadline is 150 ms away");
        const { reason } = await bounded(call.aborted, "the deadline did not abort ctx.signal");
        assert.equal(reason.code, Code.DeadlineExceeded);
        assert.match((await reply).toString("latin1"), /deadline/i, "the reply is an exception saying so");
      } finally {
        socket.destroy();
      }
    });
  });
});
