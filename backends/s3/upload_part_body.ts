/**
 * How an UploadPart carries its body: a stream read from the source as it is sent (the node
 * handler pipes it, keeping the explicit Content-Length), or one buffer (fetch drops
 * Content-Length on a stream, so it gets the part read whole first).
 *
 * @module
 */
import { UploadPartCommand, type UploadPartCommandInput } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { bodySha256, bodySlices, collectSlices } from "../part_body.ts";
import type { UploadPartInput } from "../types.ts";
import { pacedBody, pacedPartCommand } from "./paced_body.ts";

/** One send of a part: a fresh command per try of the request (a stream is single-use). */
export interface PartSends {
  /** The command to send now; `signal` is what cancels the request. */
  command(): UploadPartCommand;
  /** The signal the request must use: the caller's, and this body's own failure. */
  readonly signal: AbortSignal;
  /** The body's failure (the source changed, a read failed), if that is what ended the request. */
  failure(): { error: unknown } | undefined;
  /** Ends every body made, so a body the request stopped reading closes its file handle. */
  close(): void;
}

/**
 * Prepares the sends of `input` with `params` (everything but the body). `streams`: the
 * transport pipes a stream with its Content-Length (the node handler). `signPayload`: the
 * transport does not protect the body (plain HTTP beyond loopback), so the payload's SHA-256
 * is signed, which costs a read of the part.
 */
export async function prepareSends(
  input: UploadPartInput,
  params: UploadPartCommandInput,
  signal: AbortSignal,
  opts: { streams: boolean; signPayload: boolean },
): Promise<PartSends> {
  // Bytes in memory are piped only when paced; a stream is sent as it is read.
  const streamed = opts.streams &&
    (!(input.body instanceof Uint8Array) || input.paceBody !== undefined);
  if (!streamed) {
    const whole = input.body instanceof Uint8Array
      ? input.body
      : await collectSlices(bodySlices(input.body, signal));
    return {
      command: () => new UploadPartCommand({ ...params, Body: whole }),
      signal,
      failure: () => undefined,
      close: () => {},
    };
  }
  const payloadSha256 = opts.signPayload ? await bodySha256(input.body, signal) : undefined;
  // A body that fails (the source changed under it) cancels its request, and that failure,
  // not the cancellation, is what the caller must see.
  const own = new AbortController();
  const both = AbortSignal.any([signal, own.signal]);
  let failure: { error: unknown } | undefined;
  const bodies: Readable[] = [];
  return {
    command: () => {
      // Paced slices are cut from the source's: the buffers are lent to the source either way.
      const slices = (s: AbortSignal, take: () => Promise<Uint8Array>) => {
        const source = bodySlices(input.body, s, take);
        return input.paceBody ? input.paceBody(source, s) : source;
      };
      const body = pacedBody(slices, both, (error) => {
        failure ??= { error };
        own.abort(error);
      });
      bodies.push(body);
      return pacedPartCommand(params, body, payloadSha256);
    },
    signal: both,
    failure: () => failure,
    close: () => bodies.forEach((body) => body.destroy()),
  };
}
