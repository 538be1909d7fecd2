import type { IncomingMessage } from "node:http";
import { Code, RpcError, clip } from "../core/index.js";
import { readBodyText } from "./http-io.js";

/**
 * The body as JSON; empty -> undefined; RpcError INVALID_ARGUMENT for bad JSON, a non-JSON content
 * type, or JSON nested deeper than `maxDepth`, which is measured while the body arrives: reading
 * stops at the first piece that goes too deep (a 1 MiB body of brackets costs one chunk).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, maxDepth: number): Promise<unknown> {
  const type = req.headers["content-type"];
  const meter = new JsonDepthMeter(maxDepth);
  const text = await readBodyText(req, maxBytes, (piece) => {
    if (!meter.feed(piece)) throw tooDeep("request body", maxDepth);
  });
  if (text.trim() === "") return undefined;
  if (type !== undefined && !/^application\/([\w.+-]*\+)?json\b|^text\/plain\b/i.test(type)) {
    throw new RpcError(Code.InvalidArgument, `request body must be JSON, not ${type.slice(0, 60)}`);
  }
  return parseText(text, "request body");
}

/**
 * JSON text -> value; INVALID_ARGUMENT (naming `what`) when it is not JSON or nests arrays and
 * objects deeper than `maxDepth`, checked before parsing so that no walk of the value can overflow.
 */
export function parseJson(text: string, maxDepth: number, what: string): unknown {
  if (!new JsonDepthMeter(maxDepth).feed(text)) throw tooDeep(what, maxDepth);
  return parseText(text, what);
}

function parseText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RpcError(Code.InvalidArgument, `${what} is not valid JSON: ${clip((e as Error).message, 100)}`);
  }
}

function tooDeep(what: string, maxDepth: number): RpcError {
  return new RpcError(Code.InvalidArgument, `${what} nests deeper than ${maxDepth} levels`);
}

/**
 * How deep JSON text nests arrays and objects, fed in pieces (strings, escapes included, are
 * skipped; the text need not be valid JSON). One pass, no allocation.
 * @internal
 */
export class JsonDepthMeter {
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly max: number) {}

  /** Feed the next piece of text; false once the nesting went deeper than the maximum. */
  feed(text: string): boolean {
    let { depth, inString, escaped } = this;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (++depth > this.max) return false;
      } else if (c === 0x5d || c === 0x7d) depth--;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return true;
  }
}
