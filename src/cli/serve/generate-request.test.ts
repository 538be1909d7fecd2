import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestFromBody, requestFromQuery } from "./generate-request.js";
import { InFlight } from "./in-flight.js";

describe("GET /api/generate query -> GenerateRequest", () => {
  it("reads prompt, max_tokens, temperature, seed, top_p, model and repeated stop", () => {
    const q = new URLSearchParams("prompt=The%20river&max_tokens=20&temperature=0.5&seed=-12&top_p=0.9&model=m&stop=a&stop=b&resumable=1");
    assert.deepEqual(requestFromQuery(q), { prompt: "The river", stop: ["a", "b"], model: "m", max_tokens: 20, temperature: 0.5, top_p: 0.9, seed: "-12" });
  });

  it("leaves absent and empty values to the engine's defaults", () => {
    assert.deepEqual(requestFromQuery(new URLSearchParams("prompt=x&seed=&max_tokens=")), { prompt: "x", stop: [] });
  });

  it("refuses values of the wrong kind with INVALID_ARGUMENT", () => {
    for (const q of ["max_tokens=ten", "max_tokens=1.5", "max_tokens=0", "temperature=hot", "seed=1.5", "seed=9999999999999999999999"]) {
      assert.throws(() => requestFromQuery(new URLSearchParams(q)), (e: Error & { code?: number }) => e.code === 3, q);
    }
    assert.throws(() => requestFromQuery(new URLSearchParams({ prompt: "x".repeat(9000) })), /POST it instead/);
  });

  it("refuses an unknown parameter, naming it (a typo must not fall back to a default)", () => {
    const refused = (name: string) => (e: Error & { code?: number }) => e.code === 3 && e.message.includes(`"${name}"`) && /max_tokens/.test(e.message);
    assert.throws(() => requestFromQuery(new URLSearchParams("prompt=x&max_token=2")), refused("max_token"));
    assert.throws(() => requestFromQuery(new URLSearchParams(`prompt=x&${"k".repeat(5000)}=1`)), (e: Error) => e.message.length < 400);
    for (const known of ["resumable=1", "last_event_id=abc", "stream_id=abc"]) assert.ok(requestFromQuery(new URLSearchParams(`prompt=x&${known}`)));
  });

  it("with a JSON body (POST), refuses query parameters other than the gateway's", () => {
    assert.deepEqual(requestFromBody({ prompt: "x" }, new URLSearchParams("resumable=1")), { prompt: "x" });
    assert.throws(() => requestFromBody({ prompt: "x" }, new URLSearchParams("max_tokens=2")), /"max_tokens" is not read when the request has a JSON body/);
  });
});

describe("InFlight", () => {
  it("is idle at once with nothing in flight, and once the last exchange leaves", async () => {
    const f = new InFlight();
    assert.equal(await f.idle(1000), true);
    const a = f.enter(), b = f.enter();
    const idle = f.idle(10_000);
    a();
    a(); // leaving twice counts once
    assert.equal(f.size, 1);
    b();
    assert.equal(await idle, true);
  });

  it("gives up after the timeout", async () => {
    const f = new InFlight();
    const leave = f.enter();
    assert.equal(await f.idle(20), false);
    leave();
  });
});
