/**
 * gRPC's cross-language interop cases in every direction between Weir and real peers:
 * Weir ↔ Weir, Weir client → python3-grpcio server, python3-grpcio client → Weir server,
 * @grpc/grpc-js client → Weir server, Weir client → @grpc/grpc-js server.
 *
 * Each direction starts its server once (a child process on a free port, ready when it prints
 * `listening on port N`); each case runs in its own client process with a time limit, two at a
 * time. The case × direction table is printed at the end.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLIENTS, SERVERS, checkPythonPeers, runClient, startServer, type CaseResult, type Program, type RunningServer } from "./peers.js";
import { CASES } from "./spec.js";

interface Direction {
  readonly name: string;
  readonly client: Program;
  readonly server: Program;
  /** Cases the peer library cannot perform at all, with the reason. */
  readonly unsupported?: Readonly<Record<string, string>>;
}

const GRPCJS_NO_COMPRESSION = "@grpc/grpc-js 1.14 servers never send compressed messages (the flag is always 0)";

const DIRECTIONS: readonly Direction[] = [
  { name: "weir→weir", client: CLIENTS.weir, server: SERVERS.weir },
  { name: "weir→python", client: CLIENTS.weir, server: SERVERS.python },
  { name: "python→weir", client: CLIENTS.python, server: SERVERS.weir },
  { name: "grpc-js→weir", client: CLIENTS.grpcjs, server: SERVERS.weir },
  {
    name: "weir→grpc-js",
    client: CLIENTS.weir,
    server: SERVERS.grpcjs,
    unsupported: { server_compressed_unary: GRPCJS_NO_COMPRESSION, server_compressed_streaming: GRPCJS_NO_COMPRESSION },
  },
];

const CASE_TIMEOUT_MS = 30_000;
const results = new Map<string, CaseResult | "n/a">();
const key = (testCase: string, direction: string) => `${testCase}\u0000${direction}`;

function table(): string {
  const width = Math.max(...CASES.map((c) => c.length));
  const cols = DIRECTIONS.map((d) => d.name);
  const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - s.length));
  const lines = [[pad("case", width), ...cols.map((c) => pad(c, 12))].join("  ")];
  for (const c of CASES) {
    const cells = cols.map((d) => {
      const r = results.get(key(c, d));
      return pad(r === undefined ? "-" : r === "n/a" ? "n/a" : r.ok ? "PASS" : "FAIL", Math.max(12, d.length));
    });
    lines.push([pad(c, width), ...cells].join("  "));
  }
  const notes = DIRECTIONS.flatMap((d) => Object.entries(d.unsupported ?? {}).map(([c, why]) => `n/a ${c} (${d.name}): ${why}`));
  return [...lines, ...[...new Set(notes)]].join("\n");
}

after(() => {
  console.log(`\ngRPC interop: case × direction (client→server)\n${table()}\n`);
});

for (const direction of DIRECTIONS) {
  describe(`interop ${direction.name}`, { concurrency: 2 }, () => {
    let server: RunningServer | undefined;

    before(async () => {
      if (direction.server === SERVERS.python || direction.client === CLIENTS.python) checkPythonPeers();
      server = await startServer(direction.server);
    });

    after(async () => {
      await server?.stop();
    });

    for (const testCase of CASES) {
      const skip = direction.unsupported?.[testCase];
      if (skip !== undefined) results.set(key(testCase, direction.name), "n/a");
      it(testCase, { timeout: CASE_TIMEOUT_MS + 5_000, skip: skip ?? false }, async () => {
        assert.ok(server, "the server did not start");
        const r = await runClient(direction.client, server.port, testCase, CASE_TIMEOUT_MS);
        results.set(key(testCase, direction.name), r);
        assert.ok(r.ok, `${testCase} ${direction.name} failed: ${r.detail}\n--- ${direction.server.name} server output:\n${server.output.slice(-2000)}`);
      });
    }
  });
}
