// A hostile HTTP client for the attack tests, run as a child process so that its own work does not
// delay the well-behaved client measured in the test: `node hostile-client.js <baseUrl> <ms>
// <concurrency>` sends hostile requests in parallel for <ms> and prints `{"<status>": count}`.
// Kinds, in turn: a 1 MiB JSON body nested 500,000 deep (native and OpenAI routes), a 15 KiB
// Authorization header with a max_tokens that would wrap, and unknown query parameters.

const [base, ms, concurrency] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const json = { "content-type": "application/json" };
const nested = `${"[".repeat(500_000)}${"]".repeat(500_000)}`;
const kinds: ((signal: AbortSignal) => Promise<Response>)[] = [
  (signal) => fetch(`${base}/api/generate`, { method: "POST", body: `{"prompt": "Hi", "stop": ${nested}}`, headers: json, signal }),
  (signal) => fetch(`${base}/v1/chat/completions`, { method: "POST", body: `{"model": "weir-ngram", "messages": ${nested}}`, headers: json, signal }),
  (signal) => fetch(`${base}/v1/chat/completions`, {
    method: "POST", headers: { ...json, authorization: `Bearer ${"t".repeat(15 * 1024)}` }, signal,
    body: JSON.stringify({ model: "weir-ngram", messages: [{ role: "user", content: "Hi" }], max_tokens: 4294967299 }),
  }),
  (signal) => fetch(`${base}/api/generate?prompt=Hi&max_token=2&${"x".repeat(4000)}=1`, { signal }),
];

const counts: Record<string, number> = {};
const deadline = Date.now() + ms;
await Promise.all(Array.from({ length: concurrency }, async (_, i) => {
  for (let n = i; Date.now() < deadline; n += concurrency) {
    const status = await kinds[n % kinds.length]!(AbortSignal.timeout(10_000))
      .then(async (r) => { await r.arrayBuffer(); return String(r.status); }, (e: Error) => e.name);
    counts[status] = (counts[status] ?? 0) + 1;
  }
}));
process.stdout.write(`${JSON.stringify(counts)}\n`);
