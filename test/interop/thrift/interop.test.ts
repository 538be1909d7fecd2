/**
 * Weir against Apache Thrift's own runtimes, every direction: the Python client and server
 * (python3-thrift) over framed, buffered and THeader (binary, compact, zlib), and the `thrift` npm
 * client over framed and buffered. Prints a table of case × direction.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Middleware, ServerCallContext } from "../../../src/index.js";
import { THRIFT_ENVELOPE } from "../../../src/transport/thrift/dispatch.js";
import { createThriftTransport, type ThriftClientOptions } from "../../../src/transport/thrift/client.js";
import type { MultiProtocolServer } from "../../../src/transport/detection/serve.js";
import type { WireMessage } from "../../../src/transport/thrift/wire.js";
import { runEchoCases } from "../../../examples/thrift-echo/client.js";
import { startEchoServer } from "../../../examples/thrift-echo/server.js";
import {
  formatTable, generateStubs, peersMissing, runNpmClient, runPythonClient, startPythonServer, stopAll, type PeerRun,
} from "./peers.js";
import { skipWithoutPeers } from "../../helpers/peers.js";

interface InteropCase {
  readonly name: string;
  /** py_client / py_server flags. */
  readonly py?: readonly string[];
  /** npm_client flags. */
  readonly npm?: readonly string[];
  /** Weir client options for the Python server. */
  readonly weir?: Omit<ThriftClientOptions, "target">;
}

const CASES: readonly InteropCase[] = [
  { name: "framed binary", py: ["--transport=framed", "--protocol=binary"], npm: ["--transport=framed", "--protocol=binary"], weir: { transport: "framed", protocol: "binary" } },
  { name: "framed compact", py: ["--transport=framed", "--protocol=compact"], npm: ["--transport=framed", "--protocol=compact"], weir: { transport: "framed", protocol: "compact" } },
  { name: "buffered binary", py: ["--transport=buffered", "--protocol=binary"], npm: ["--transport=buffered", "--protocol=binary"], weir: { transport: "buffered", protocol: "binary" } },
  { name: "buffered compact", py: ["--transport=buffered", "--protocol=compact"], npm: ["--transport=buffered", "--protocol=compact"], weir: { transport: "buffered", protocol: "compact" } },
  { name: "THeader binary", py: ["--transport=header", "--protocol=binary"], weir: { transport: "header", protocol: "binary" } },
  { name: "THeader compact", py: ["--transport=header", "--protocol=compact"], weir: { transport: "header", protocol: "compact" } },
  { name: "THeader+zlib binary", py: ["--transport=header", "--protocol=binary", "--zlib"], weir: { transport: "header", protocol: "binary", zlib: true } },
  { name: "THeader+zlib compact", py: ["--transport=header", "--protocol=compact", "--zlib"], weir: { transport: "header", protocol: "compact", zlib: true } },
];

const PY_TO_WEIR = "python client -> Weir";
const WEIR_TO_PY = "Weir client -> python server";
const NPM_TO_WEIR = "thrift npm client -> Weir";
const PY_TO_PY = "python <-> python (baseline)";
const COLUMNS = [PY_TO_WEIR, WEIR_TO_PY, NPM_TO_WEIR, PY_TO_PY];

const SUITE = "Thrift interop with Apache Thrift (Python, npm)";

describe(SUITE, { skip: skipWithoutPeers(SUITE, peersMissing()) }, () => {
  const table = new Map<string, Map<string, string>>(CASES.map((c) => [c.name, new Map()]));
  const envelopes: WireMessage[] = [];
  const watch: Middleware<ServerCallContext> = (next) => (call) => {
    const env = call.ctx.values.get(THRIFT_ENVELOPE) as WireMessage | undefined;
    if (env) envelopes.push(env);
    return next(call);
  };
  let stubs: ReturnType<typeof generateStubs>;
  let weir: MultiProtocolServer;

  before(async () => {
    stubs = generateStubs();
    weir = await startEchoServer({ middleware: [watch], log: () => {} });
  });

  after(async () => {
    stopAll();
    await weir?.close({ graceMs: 100 });
    stubs?.remove();
    const text = formatTable(table, COLUMNS);
    console.log(`\nThrift interop (PASS = every Echo call with edge-case values passed)\n${text}\n`);
  });

  const record = (c: string, column: string, run: PeerRun | { ok: boolean; output: string }) => {
    table.get(c)!.set(column, run.ok ? "PASS" : "FAIL");
    assert.ok(run.ok, `${c}, ${column}:\n${run.output}`);
  };

  for (const c of CASES) {
    it(`${c.name}: python client -> Weir server`, async () => {
      envelopes.length = 0;
      record(c.name, PY_TO_WEIR, await runPythonClient(stubs.py, weir.address.port, c.py!));
      if (c.py!.includes("--zlib")) assert.ok(envelopes.some((e) => e.theader?.transforms.includes(1)), "no zlib-transformed request arrived");
    });

    it(`${c.name}: Weir client -> python server`, async () => {
      const py = await startPythonServer(stubs.py, c.py!);
      const transport = createThriftTransport({ target: `127.0.0.1:${py.port}`, ...c.weir });
      const lines: string[] = [];
      try {
        const failed = await runEchoCases(transport, (l) => lines.push(l));
        record(c.name, WEIR_TO_PY, { ok: failed === 0, output: lines.join("\n") });
      } finally {
        await transport.close();
        py.stop();
      }
    });

    it(`${c.name}: python client -> python server (the peers agree among themselves)`, async () => {
      const py = await startPythonServer(stubs.py, c.py!);
      try {
        record(c.name, PY_TO_PY, await runPythonClient(stubs.py, py.port, c.py!));
      } finally {
        py.stop();
      }
    });

    if (c.npm) {
      it(`${c.name}: thrift npm client -> Weir server`, async () => {
        record(c.name, NPM_TO_WEIR, await runNpmClient(stubs.js, weir.address.port, c.npm!));
      });
    }
  }
});
