// The attacker of prompt.load-test.ts, in a process of its own so that its CPU use never delays
// the well-behaved client that measures the server. Usage: node prompt-attacker.js <httpUrl>
// <rpcAddress> <ms> <attackers>; prints `{"http400": n, "grpcRefused": n, "requests": n}`.
import { createClient } from "../../src/rpc/index.js";
import { generationDescriptor, type GenerationMethods } from "../../src/serving/index.js";
import { createGrpcTransport } from "../../src/transport/index.js";

function randomText(alphabet: string, length: number, seed: number): string {
  let s = seed;
  const out: string[] = [];
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out.push(alphabet[s % alphabet.length]!);
  }
  return out.join("");
}
const LETTERS = "abcdefghijklmnopqrstuvwxyz";
const HAN = Array.from({ length: 2000 }, (_, i) => String.fromCharCode(0x4e00 + i * 7)).join("");

/** Prompts an attacker cycles through: each is refused, or tokenized and then refused or answered. */
const PROMPTS = [
  "a".repeat(1 << 20), // refused on its length
  " ".repeat(200_000),
  randomText(LETTERS, 65_000, 1), // just under the limit: tokenized up to the context length
  randomText(HAN, 65_000, 2),
  randomText(LETTERS + " ", 60_000, 3),
];

const [url, rpcAddress, ms, attackers] = process.argv.slice(2);
const stop = AbortSignal.timeout(Number(ms));
const transport = createGrpcTransport({ target: rpcAddress! });
const grpc = createClient<GenerationMethods>(generationDescriptor(), transport);
const counts = { http400: 0, grpcRefused: 0, requests: 0 };

async function attacker(n: number): Promise<void> {
  for (let i = n; !stop.aborted; i++) {
    const prompt = PROMPTS[i % PROMPTS.length]!;
    counts.requests++;
    if (n % 2 === 0) {
      const body = JSON.stringify({ prompt, max_tokens: 2 });
      const res = await fetch(`${url}/api/generate`, { method: "POST", signal: stop, headers: { "content-type": "application/json" }, body }).catch(() => undefined);
      await res?.arrayBuffer().catch(() => undefined);
      if (res?.status === 400) counts.http400++;
    } else {
      await grpc.Complete({ prompt, max_tokens: 2 }, { compression: "gzip", signal: stop, timeoutMs: 10_000 }).catch(() => { counts.grpcRefused++; });
    }
  }
}

await Promise.all(Array.from({ length: Number(attackers) }, (_, n) => attacker(n)));
await transport.close();
process.stdout.write(`${JSON.stringify(counts)}\n`);
