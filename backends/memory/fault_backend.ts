/**
 * A Backend wrapper that injects failures on a schedule, for testing the engine's retries
 * and crash recovery. Errors can be thrown before the inner call (the request never reached
 * the server) or after it succeeded (the server did the work but the response was lost),
 * and a simulated kill can stop everything right after the n-th successful call.
 */
import type { Backend, BackendLimits, PortMethod } from "../types.ts";
import { decorate, PORT_METHODS } from "../decorate.ts";
import { abortableSleep, throwIfAborted } from "./abortable_sleep.ts";
import {
  type BackendMethod,
  type DelayOnOptions,
  type FailOnOptions,
  type FaultCall,
  type FaultRule,
  haltedError,
  makeError,
  type Rule,
  type RuleSchedule,
} from "./fault_rules.ts";

export {
  type BackendMethod,
  type DelayOnOptions,
  type FailOnOptions,
  type FaultCall,
  faultErrors,
  type FaultRule,
  type RuleSchedule,
} from "./fault_rules.ts";

/** Wraps a Backend and injects failures, delays and simulated crashes on a schedule. */
export class FaultBackend implements Backend {
  readonly name: string;
  readonly limits: BackendLimits;
  readonly trailingChecksums?: boolean;

  readonly #inner: Backend;
  readonly #rules: Rule[] = [];
  readonly #log: FaultCall[] = [];
  readonly #counts = new Map<BackendMethod, number>();
  #halted = false;

  constructor(inner: Backend) {
    this.#inner = inner;
    this.name = `fault(${inner.name})`;
    this.limits = inner.limits;
    this.trailingChecksums = inner.trailingChecksums;
    const faulted = decorate(
      inner,
      (method, args, call) => this.#call(method, callInfo(args[0]), args[1], () => call(args)),
    );
    for (const method of Object.keys(PORT_METHODS) as PortMethod[]) {
      if (faulted[method]) (this as Record<string, unknown>)[method] = faulted[method];
    }
  }

  // ---- schedule ----------------------------------------------------------------------

  /** Makes matching calls to `method` fail with `options.error`, before or after the call. */
  failOn(method: BackendMethod, options: FailOnOptions): FaultRule {
    return this.#add(method, options, {
      type: "fail",
      beforeCall: options.beforeCall ?? true,
      delayMs: options.delayMs ?? 0,
      error: options.error,
    });
  }

  /** Adds latency to matching calls to `method` without failing them. */
  delayOn(method: BackendMethod, options: DelayOnOptions): FaultRule {
    return this.#add(method, options, { type: "delay", delayMs: options.delayMs });
  }

  /**
   * Simulates a kill right after the `n`-th successful call to `method` (counted from now):
   * the server keeps what that call did, the wrapper halts (see {@link halt}), `hook` runs
   * (tests abort the engine there) and the call rejects with kind "aborted".
   */
  crashAfter(
    method: BackendMethod,
    n: number,
    hook: (call: FaultCall) => void | Promise<void> = () => {},
    options: { match?: (call: FaultCall) => boolean } = {},
  ): FaultRule {
    return this.#add(method, { nth: n, times: 1, match: options.match }, { type: "crash", hook });
  }

  /**
   * Stops talking to the server, as a killed process would: later calls reject with kind
   * "aborted" without reaching the inner backend, and calls in flight lose their responses.
   */
  halt(): void {
    this.#halted = true;
  }

  /** Undoes {@link halt}. A fresh FaultBackend over the same inner backend works too. */
  revive(): void {
    this.#halted = false;
  }

  /** Whether the wrapper is halted. */
  get halted(): boolean {
    return this.#halted;
  }

  /** Removes every rule. */
  clearRules(): void {
    for (const rule of this.#rules) rule.removed = true;
    this.#rules.length = 0;
  }

  // ---- log ---------------------------------------------------------------------------

  /** Every call so far, in order of arrival. */
  get calls(): readonly FaultCall[] {
    return this.#log;
  }

  /** The calls to one method, in order of arrival. */
  callsTo(method: BackendMethod): FaultCall[] {
    return this.#log.filter((c) => c.method === method);
  }

  /** Forgets the call log (rule counters are kept). */
  clearLog(): void {
    this.#log.length = 0;
  }

  // ---- Backend -----------------------------------------------------------------------
  // Every method the inner backend has, under the fault schedule (assigned in the constructor
  // through decorate); the call log records the object the call names.

  declare readonly createMultipartUpload: Backend["createMultipartUpload"];
  declare readonly uploadPart: Backend["uploadPart"];
  declare readonly listParts: Backend["listParts"];
  declare readonly completeMultipartUpload: Backend["completeMultipartUpload"];
  declare readonly abortMultipartUpload: Backend["abortMultipartUpload"];
  declare readonly listMultipartUploads?: Backend["listMultipartUploads"];
  declare readonly headObject?: Backend["headObject"];
  declare readonly objectPartSizes?: Backend["objectPartSizes"];
  declare readonly readObject?: Backend["readObject"];
  declare readonly putObject?: Backend["putObject"];

  /** Closes the inner backend. */
  close(): void {
    this.#inner.close();
  }

  // ---- internals ---------------------------------------------------------------------

  #add(method: BackendMethod, schedule: RuleSchedule, action: Rule["action"]): FaultRule {
    const nth = schedule.nth ?? 1;
    const times = schedule.times ?? 1;
    if (!Number.isInteger(nth) || nth < 1) throw new RangeError("nth must be an integer >= 1.");
    if (!(times >= 1)) throw new RangeError("times must be >= 1.");
    const rule: Rule = {
      method,
      nth,
      times,
      match: schedule.match,
      seen: 0,
      fired: 0,
      removed: false,
      action,
    };
    this.#rules.push(rule);
    return {
      get fired() {
        return rule.fired;
      },
      remove: () => {
        rule.removed = true;
        const index = this.#rules.indexOf(rule);
        if (index >= 0) this.#rules.splice(index, 1);
      },
    };
  }

  /** Counts `call` against `rule` and says whether the rule hits it. */
  #hits(rule: Rule, call: FaultCall): boolean {
    if (rule.removed || rule.method !== call.method) return false;
    if (rule.match && !rule.match(call)) return false;
    rule.seen++;
    const hit = rule.seen >= rule.nth && rule.seen < rule.nth + rule.times;
    if (hit) rule.fired++;
    return hit;
  }

  async #call<T>(
    method: BackendMethod,
    info: CallInfo,
    signal: AbortSignal,
    run: () => Promise<T>,
  ): Promise<T> {
    const n = (this.#counts.get(method) ?? 0) + 1;
    this.#counts.set(method, n);
    const call: FaultCall = { seq: this.#log.length + 1, method, n, ...info, reachedServer: false };
    this.#log.push(call);
    try {
      const result = await this.#run(call, signal, run);
      call.outcome = "ok";
      return result;
    } catch (error) {
      call.outcome = "error";
      call.error = error;
      throw error;
    }
  }

  async #run<T>(call: FaultCall, signal: AbortSignal, run: () => Promise<T>): Promise<T> {
    if (this.#halted) {
      call.injected = "halted";
      throw haltedError();
    }
    throwIfAborted(signal);
    const rules = this.#rules.filter((r) => r.action.type !== "crash" && this.#hits(r, call));
    const delayMs = rules.reduce(
      (sum, r) => sum + (r.action.type === "crash" ? 0 : r.action.delayMs),
      0,
    );
    if (delayMs > 0) await abortableSleep(delayMs, signal);
    const fails = rules.flatMap((r) => r.action.type === "fail" ? [r.action] : []);
    const before = fails.find((a) => a.beforeCall);
    if (before) {
      call.injected = "before";
      throw makeError(before.error, call);
    }
    call.reachedServer = true;
    let result: T;
    try {
      result = await run();
    } catch (error) {
      if (this.#halted) {
        call.injected = "halted";
        throw haltedError();
      }
      throw error;
    }
    if (this.#halted) {
      call.injected = "halted";
      throw haltedError();
    }
    const crash = this.#rules
      .filter((r) => r.action.type === "crash" && this.#hits(r, call))
      .flatMap((r) => r.action.type === "crash" ? [r.action] : [])[0];
    if (crash) {
      this.halt();
      call.injected = "crash";
      await crash.hook(call);
      throw haltedError();
    }
    const after = fails.find((a) => !a.beforeCall);
    if (after) {
      call.injected = "after";
      throw makeError(after.error, call);
    }
    return result;
  }
}

/** What the call log records of a call's first argument: the object and part it names. */
type CallInfo = Pick<FaultCall, "bucket" | "key" | "uploadId" | "partNumber" | "afterPartNumber">;

function callInfo(first: unknown): CallInfo {
  const ref = (typeof first === "object" && first !== null ? first : {}) as CallInfo;
  const info: CallInfo = {};
  for (const field of ["bucket", "key", "uploadId", "partNumber", "afterPartNumber"] as const) {
    if (ref[field] !== undefined) (info as Record<string, unknown>)[field] = ref[field];
  }
  return info;
}
