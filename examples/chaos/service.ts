// The service of the chaos scenario: a unary call and a short token stream, both idempotent.
import { parseProto, type ServerStreamMethod, type UnaryMethod } from "weir";

export interface Ask { id?: string }
export interface Answer { id?: string; index?: number; server?: string }
export type ChaosMethods = {
  Ask: UnaryMethod<Ask, Answer>;
  Stream: ServerStreamMethod<Ask, Answer>;
};

export const Chaos = parseProto(`syntax = "proto3"; package weir.example.chaos;
message Ask { string id = 1; }
message Answer { string id = 1; int32 index = 2; string server = 3; }
service Chaos {
  rpc Ask(Ask) returns (Answer) { option idempotency_level = IDEMPOTENT; }
  rpc Stream(Ask) returns (stream Answer) { option idempotency_level = IDEMPOTENT; }
}`).service<ChaosMethods>("weir.example.chaos.Chaos");

/** Messages of every Stream call. */
export const STREAM_MESSAGES = 3;
