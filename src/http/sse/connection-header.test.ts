// sseHeaders and the SseWriter's head respect the request's Connection header.
import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { SseWriter, sseHeaders } from "./writer.js";
import { within } from "../../../test/helpers/wait.js";

/** Send a raw HTTP/1.1 GET and resolve with the response head once it arrives. */
function head(port: number, extra: string): Promise<string> {
  return within(new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(`GET / HTTP/1.1\r\nHost: x\r\n${extra}\r\n`));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      text += d;
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        socket.destroy();
        resolve(text.slice(0, end).toLowerCase());
      }
    });
    socket.on("error", reject);
  }), "the response head");
}

describe("SSE and the request's Connection header", () => {
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((_req, res) => {
      const w = new SseWriter(res, { keepAliveMs: 0 });
      w.write({ data: "x" });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("sseHeaders: keep-alive by default, close when asked, none on HTTP/2", () => {
    assert.equal(sseHeaders()["connection"], "keep-alive");
    assert.equal(sseHeaders("1.1", "close")["connection"], "close");
    assert.equal(sseHeaders("1.1", "TE, Close")["connection"], "close");
    assert.equal(sseHeaders("1.1", "keep-alive")["connection"], "keep-alive");
    assert.equal(sseHeaders("2.0", "close")["connection"], undefined);
  });

  it("the writer's head says close to a request that asked to close, keep-alive otherwise", async () => {
    const closing = await head(port, "Connection: close\r\n");
    assert.match(closing, /\r\nconnection: close(\r\n|$)/);
    assert.doesNotMatch(closing, /keep-alive/);
    const kept = await head(port, "");
    assert.match(kept, /\r\nconnection: keep-alive(\r\n|$)/);
  });
});
