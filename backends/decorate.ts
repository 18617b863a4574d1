/**
 * One way to wrap the port: {@link decorate} forwards every method of a {@link Backend}
 * through one function, so a decorator (retries, upload options, fault injection) is written
 * once for all methods, and a method added to the port is wrapped by every decorator
 * without an edit. Optional capabilities stay optional: the wrapper offers a method only
 * where the inner backend has it.
 *
 * @module
 */
import type { Backend, PortMethod } from "./types.ts";

/** Every method of the port by kind: a Record, so a method left out here fails `deno check`. */
export const PORT_METHODS: Record<PortMethod, "core" | "capability"> = {
  createMultipartUpload: "core",
  uploadPart: "core",
  listParts: "core",
  completeMultipartUpload: "core",
  abortMultipartUpload: "core",
  listMultipartUploads: "capability",
  headObject: "capability",
  objectPartSizes: "capability",
  readObject: "capability",
  putObject: "capability",
};

/** The arguments of a port method as a decorator sees them: the first, the signal, the rest. */
export type PortArgs = [first: unknown, signal: AbortSignal, ...rest: unknown[]];

/**
 * How a decorator handles one call of `method` with `args`: `call` runs the inner method
 * (with these arguments or changed ones) and the result is what the caller gets.
 */
export type CallWrapper = (
  method: PortMethod,
  args: PortArgs,
  call: (args: PortArgs) => Promise<unknown>,
) => Promise<unknown>;

/**
 * `inner` with every method it has forwarded through `wrap`. The inner method is looked up
 * at each call, as a direct `inner.method(...)` would be; name, limits and close forward.
 */
export function decorate(inner: Backend, wrap: CallWrapper): Backend {
  const wrapped: Record<string, unknown> = {
    get name() {
      return inner.name;
    },
    get limits() {
      return inner.limits;
    },
    get trailingChecksums() {
      return inner.trailingChecksums;
    },
    close: () => inner.close(),
  };
  for (const method of Object.keys(PORT_METHODS) as PortMethod[]) {
    if (typeof inner[method] !== "function") continue;
    const call = (args: PortArgs) =>
      (inner[method] as unknown as (...a: unknown[]) => Promise<unknown>).call(inner, ...args);
    wrapped[method] = (...args: PortArgs) => wrap(method, args, call);
  }
  return wrapped as unknown as Backend;
}
