// `weir serve`'s WebSocket flags: defaults (Host names by the bound interface), parsing, checks,
// and the gateway options they become.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WEBSOCKET_HUB_DEFAULTS } from "../../http/index.js";
import { parseServeArgs, SERVE_DEFAULTS, webSocketOptionsOf } from "./options.js";

describe("weir serve: WebSocket flags", () => {
  it("defaults to the gateway's limits, same-origin pages only, and loopback Host names when bound to loopback", () => {
    const o = parseServeArgs([]);
    assert.deepEqual(webSocketOptionsOf(o), {
      maxSockets: WEBSOCKET_HUB_DEFAULTS.maxSockets, maxTotalBytes: WEBSOCKET_HUB_DEFAULTS.maxTotalBytes, idleTimeoutMs: WEBSOCKET_HUB_DEFAULTS.idleTimeoutMs,
      allowedOrigins: [], allowedHosts: ["localhost", "127.0.0.1", "::1"],
    });
    assert.deepEqual(parseServeArgs(["--host=::1"]).allowedHosts, SERVE_DEFAULTS.allowedHosts);
    assert.deepEqual(parseServeArgs(["--host=127.0.0.2"]).allowedHosts, SERVE_DEFAULTS.allowedHosts);
    assert.deepEqual(parseServeArgs(["--host=0.0.0.0"]).allowedHosts, ["*"], "any Host on a public interface");
  });

  it("takes the limits, and comma-separated origins and hosts", () => {
    const o = parseServeArgs([
      "--ws-max-sockets=10", "--ws-max-total-bytes", "1048576", "--ws-idle-timeout-ms=0",
      "--ws-allowed-origins=https://app.example, http://localhost:3000", "--allowed-hosts=chat.example,localhost",
    ]);
    assert.deepEqual(webSocketOptionsOf(o), {
      maxSockets: 10, maxTotalBytes: 1 << 20, idleTimeoutMs: 0,
      allowedOrigins: ["https://app.example", "http://localhost:3000"], allowedHosts: ["chat.example", "localhost"],
    });
  });

  it("rejects bad values, naming the flag", () => {
    assert.throws(() => parseServeArgs(["--ws-max-sockets=0"]), /--ws-max-sockets must be a positive integer, got 0/);
    assert.throws(() => parseServeArgs(["--ws-max-total-bytes=1.5"]), /--ws-max-total-bytes must be an integer >= 1048576 \(the largest message\), got 1.5/);
    assert.throws(() => parseServeArgs(["--ws-max-total-bytes=65536"]), /--ws-max-total-bytes must be an integer >= 1048576/);
    assert.throws(() => parseServeArgs(["--ws-idle-timeout-ms=-1"]), /--ws-idle-timeout-ms must be a non-negative integer/);
    assert.throws(() => parseServeArgs(["--ws-allowed-origins=app.example"]), /--ws-allowed-origins takes origins such as https:\/\/app.example.com \(or \*\), got "app.example"/);
  });
});
