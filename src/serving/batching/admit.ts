import { Code, RpcError } from "../../core/index.js";
import type { ParameterValue, Parameters } from "../tensor.js";
import type { BatchPolicy } from "./options.js";

/** A non-negative integer request parameter (number, bigint or decimal string), or undefined when absent. */
function integerParameter(v: ParameterValue | undefined, name: string, model: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "bigint" ? Number(v) : typeof v === "string" && /^\d{1,16}$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new RpcError(Code.InvalidArgument, `model ${model}: request parameter ${name} must be an integer >= 0, got ${String(v).slice(0, 30)}`);
  }
  return n;
}

/**
 * The priority level of a request: its `priority` parameter, or the default level when it names
 * none, 0, or a level the model does not have (as Triton does). A model without priority levels
 * ignores the parameter.
 */
export function levelOf(parameters: Parameters, policy: BatchPolicy, model: string): number {
  if (policy.levels.length === 1) return 1;
  const p = integerParameter(parameters.priority, "priority", model);
  return p === undefined || p === 0 || p > policy.levels.length ? policy.defaultLevel : p;
}

/**
 * The queue timeout of a request at `level`, in µs (0 = none): the level's default, or the
 * request's own `timeout` parameter when the level allows an override and it is shorter.
 */
export function timeoutOf(parameters: Parameters, policy: BatchPolicy, level: number, model: string): number {
  const p = policy.levels[level - 1]!;
  if (!p.allowTimeoutOverride) return p.timeoutMicros;
  const own = integerParameter(parameters.timeout, "timeout", model);
  if (own === undefined || own === 0) return p.timeoutMicros;
  return p.timeoutMicros === 0 ? own : Math.min(own, p.timeoutMicros);
}
