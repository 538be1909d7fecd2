import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sniff } from "./sniff.js";

const hex = (h: string) => Buffer.from(h, "hex");

describe("sniff", () => {
  it("recognises the HTTP/2 preface from its first 8 bytes", () => {
    assert.equal(sniff(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")), "http2");
    assert.equal(sniff(Buffer.from("PRI * HT")), "http2");
    assert.equal(sniff(Buffer.from("PRI")), undefined);
  });

  it("recognises every Thrift envelope", () => {
    assert.equal(sniff(hex("0000004b10000000")), "thrift"); // TTHeader
    assert.equal(sniff(hex("000000260fff0000")), "thrift"); // THeader
    assert.equal(sniff(hex("0000001d80010001")), "thrift"); // framed binary
    assert.equal(sniff(hex("0000000982210104")), "thrift"); // framed compact
    assert.equal(sniff(hex("8001")), "thrift"); // unframed binary, from 2 bytes
    assert.equal(sniff(hex("8221")), "thrift"); // unframed compact
  });

  it("tells TTHeader Streaming apart", () => {
    assert.equal(sniff(hex("0000003210000002")), "ttheader-streaming");
  });

  it("waits for 8 bytes, then calls the rest unknown", () => {
    assert.equal(sniff(hex("000000")), undefined);
    assert.equal(sniff(Buffer.from("GET / HT")), "unknown");
    assert.equal(sniff(hex("8002")), "unknown");
    assert.equal(sniff(hex("0000001d90010001")), "unknown"); // Kitex Protobuf is not served
  });
});
