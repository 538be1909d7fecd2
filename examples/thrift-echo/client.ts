/**
 * Call every Echo method with edge-case values over one transport, printing PASS/FAIL per call.
 */
import { createClient, type ClientTransport } from "weir";
import { createGrpcTransport } from "weir/grpc";
import { createThriftTransport } from "weir/thrift";
import { ECHO_CASES } from "./cases.js";
import { Echo } from "./service.js";

/** The transports the example client speaks. */
export const TRANSPORTS = [
  "framed-binary", "framed-compact", "buffered-binary", "header-binary", "header-compact", "ttheader", "grpc",
] as const;
export type EchoTransportName = (typeof TRANSPORTS)[number];

export function echoTransport(name: EchoTransportName, target: string): ClientTransport {
  switch (name) {
    case "grpc": return createGrpcTransport({ target });
    case "ttheader": return createThriftTransport({ target, transport: "ttheader" });
    default: {
      const [transport, protocol] = name.split("-") as ["framed" | "buffered" | "header", "binary" | "compact"];
      return createThriftTransport({ target, transport, protocol });
    }
  }
}

/** Run every case; `print` gets one line per case and the summary. Resolves to the failure count. */
export async function runEchoClient(name: EchoTransportName, target: string, print: (line: string) => void): Promise<number> {
  const transport = echoTransport(name, target);
  try {
    return await runEchoCases(transport, print);
  } finally {
    await transport.close();
  }
}

/** Run every case over a transport (left open). Resolves to the failure count. */
export async function runEchoCases(transport: ClientTransport, print: (line: string) => void): Promise<number> {
  const client = createClient(Echo, transport, { defaults: { timeoutMs: 10_000 } });
  let passed = 0;
  let failed = 0;
  for (const c of ECHO_CASES) {
    try {
      await c.run(client, transport);
      passed++;
      print(`PASS ${c.name}`);
    } catch (e) {
      failed++;
      print(`FAIL ${c.name}: ${String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 300)}`);
    }
  }
  print(`${passed} passed, ${failed} failed`);
  return failed;
}
