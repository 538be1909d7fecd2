import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, RpcError } from "../../core/index.js";
import {
  applicationExceptionCodec, applicationExceptionToError, errorToApplicationException, TApplicationExceptionType,
} from "./application-exception.js";
import { decodeMessageHeader, readMessageHeader, scanMessageHeader, writeMessageHeader, type HeaderErrors, type ThriftMessageHeader } from "./message.js";
import type { ThriftProtocol } from "./struct-codec.js";
import { ThriftReader, ThriftWriter } from "./writer.js";

const invalid = (re: RegExp) => (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument && re.test(e.message);

describe("Thrift message headers", () => {
  for (const protocol of ["binary", "compact"] as ThriftProtocol[]) {
    it(`${protocol}: round-trip names, types and sequence ids (negative, large, unicode)`, () => {
      const headers: ThriftMessageHeader[] = [
        { name: "ping", type: 1, seqId: 0 }, { name: "", type: 2, seqId: -1 }, { name: "Méthode✓", type: 3, seqId: 2147483647 },
        { name: "x".repeat(300), type: 4, seqId: -2147483648 },
      ];
      const w = new ThriftWriter(8);
      for (const h of headers) writeMessageHeader(w, protocol, h);
      const r = new ThriftReader(w.finish());
      for (const h of headers) assert.deepEqual(readMessageHeader(r, protocol), { ...h, protocol });
      assert.equal(r.remaining, 0);
    });
  }

  it("compact: encodes the seq id as a plain varint and the type in the version byte", () => {
    const w = new ThriftWriter();
    writeMessageHeader(w, "compact", { name: "a", type: 4, seqId: 300 });
    assert.equal(w.finish().toString("hex"), "8281ac020161");
  });

  it("scanMessageHeader: undefined for every prefix that ends inside the header, the header once it is whole", () => {
    const fail = (what: string) => () => new RpcError(Code.Internal, what);
    const errors: HeaderErrors = { notAMessage: fail("not a message"), nameTooLong: fail("long name"), badVarint: fail("varint") };
    for (const protocol of ["binary", "compact"] as ThriftProtocol[]) {
      const w = new ThriftWriter();
      writeMessageHeader(w, protocol, { name: "Méthode", type: 1, seqId: -300 });
      const bytes = Buffer.concat([w.finish(), Buffer.from([0x0c, 0x00, 0x00])]); // a struct follows
      const header = bytes.length - 3;
      for (let end = 0; end < header; end++) assert.equal(scanMessageHeader(bytes, 0, end, errors), undefined, `${protocol}, ${end} bytes`);
      const whole = { protocol, name: "Méthode", type: 1, seqId: -300, bodyOffset: header };
      assert.deepEqual(scanMessageHeader(bytes, 0, header, errors), whole);
      assert.deepEqual(decodeMessageHeader(bytes), whole);
    }
    assert.throws(() => scanMessageHeader(Buffer.from("8221ffffffff1f", "hex"), 0, 7, errors), /varint/);
    assert.throws(() => scanMessageHeader(Buffer.from("8221ff", "hex"), 0, 3, errors, "binary"), /not a message/);
  });

  it("rejects truncated, foreign and oversized headers", () => {
    assert.throws(() => decodeMessageHeader(new Uint8Array([0x80])), invalid(/truncated/));
    assert.throws(() => decodeMessageHeader(Buffer.from("800100010000000470696e", "hex")), invalid(/truncated/));
    assert.throws(() => decodeMessageHeader(Buffer.from("0000000a80010001", "hex")), invalid(/not a strict binary or compact/));
    assert.throws(() => decodeMessageHeader(Buffer.from("8221010470696e67", "hex"), "binary"), invalid(/not a strict binary/));
    assert.throws(() => decodeMessageHeader(Buffer.from("8001000100ffffff00", "hex")), invalid(/method of 16777215 bytes/));
    assert.throws(() => decodeMessageHeader(Buffer.from("822101ffffffff0f", "hex")), invalid(/method of 4294967295 bytes/));
  });
});

describe("TApplicationException", () => {
  it("round-trips in both protocols and maps to RpcError codes", () => {
    for (const p of ["binary", "compact"] as ThriftProtocol[]) {
      const c = applicationExceptionCodec(p);
      assert.deepEqual(c.decode(c.encode({ message: "m", type: 7 })), { message: "m", type: 7 });
    }
    const T = TApplicationExceptionType;
    assert.equal(applicationExceptionToError({ message: "no", type: T.UNKNOWN_METHOD }).code, Code.Unimplemented);
    assert.equal(applicationExceptionToError({ type: T.PROTOCOL_ERROR }).code, Code.InvalidArgument);
    assert.equal(applicationExceptionToError({ type: T.INTERNAL_ERROR }).code, Code.Internal);
    assert.equal(applicationExceptionToError({}).code, Code.Unknown);
    assert.equal(applicationExceptionToError({ message: "boom", type: 6 }).rawMessage, "boom");
    assert.deepEqual(errorToApplicationException(new RpcError(Code.Unimplemented, "unknown method x")), { message: "unknown method x", type: T.UNKNOWN_METHOD });
    assert.deepEqual(errorToApplicationException(new Error("boom")), { message: "boom", type: T.INTERNAL_ERROR });
  });
});
