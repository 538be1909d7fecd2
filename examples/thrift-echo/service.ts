/**
 * The Echo service of `echo.thrift`, loaded at run time (no generated code), and its handlers.
 */
import { fileURLToPath } from "node:url";
import type { ServiceDescriptor, ServiceImpl, UnaryMethod } from "weir";
import { thriftException, loadThrift } from "weir/thrift";

export interface Inner { id: number; label?: string }

/** `Everything` as the codecs hand it over: i64 → bigint, binary → Uint8Array, set → Set, map → Map. */
export interface Everything {
  big?: bigint;
  ratio?: number;
  text?: string;
  blob?: Uint8Array;
  numbers?: number[];
  counts?: Map<string, bigint>;
  tags?: Set<string>;
  inner?: Inner;
  color?: number;
  note?: string;
  flag?: boolean;
  tiny?: number;
  small?: number;
  inners?: Inner[];
  nested?: Map<number, string[]>;
}

export const Color = Object.freeze({ RED: 1, GREEN: 2, BLUE: 3 });

export type EchoMethods = {
  ping: UnaryMethod<{ msg: string }, string>;
  echo: UnaryMethod<{ value: Everything }, Everything>;
  add: UnaryMethod<{ a: bigint; b: bigint }, bigint>;
  fail: UnaryMethod<{ code: number; message: string }, void>;
  boom: UnaryMethod<Record<string, never>, void>;
  fire: UnaryMethod<{ msg: string }, void>;
  fired: UnaryMethod<Record<string, never>, number>;
};

/** Where the IDL sits: beside this file in the sources (the build keeps .ts and .thrift apart). */
export const ECHO_IDL = fileURLToPath(new URL("../../../examples/thrift-echo/echo.thrift", import.meta.url));

export const Echo: ServiceDescriptor<EchoMethods> = loadThrift(ECHO_IDL).service<EchoMethods>("Echo");

/** The handlers: echo back, add, throw the declared exception, throw an undeclared one, count oneway calls. */
export function echoImpl(): ServiceImpl<EchoMethods> & { readonly firedCount: () => number } {
  let fired = 0;
  return {
    ping: ({ msg }) => msg,
    echo: ({ value }) => value,
    add: ({ a, b }) => BigInt.asIntN(64, a + b),
    fail: ({ code, message }) => {
      throw thriftException("EchoError", { code, message });
    },
    boom: () => {
      throw new Error("boom: an undeclared error");
    },
    fire: () => {
      fired++;
    },
    fired: () => fired,
    firedCount: () => fired,
  };
}
