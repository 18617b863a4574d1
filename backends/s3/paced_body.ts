/**
 * A part body fed to the node:http handler in slices, so a rate limit and byte progress act
 * as the bytes leave. The handler pipes a Readable into the request and keeps the explicit
 * Content-Length (fetch would drop it on a stream; see DESIGN.md), so the node handler is
 * the one to use with it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { UploadPartCommand, type UploadPartCommandInput } from "@aws-sdk/client-s3";

/**
 * A Readable of `body`'s bytes as `pace` yields them. The slices' waits end when `signal`
 * aborts or the stream is destroyed (a cancelled or failed request).
 */
export function pacedBody(
  body: Uint8Array,
  pace: (body: Uint8Array, signal: AbortSignal) => AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): Readable {
  const closed = new AbortController();
  const both = AbortSignal.any([signal, closed.signal]);
  const stream = Readable.from(pace(body, both), { objectMode: false });
  stream.once("close", () => closed.abort(new Error("request body closed")));
  return stream;
}

/**
 * An UploadPart command whose body is {@link pacedBody}. The SDK's signer signs a stream as
 * UNSIGNED-PAYLOAD; with `signPayload` (where the transport does not protect the body: plain
 * HTTP beyond loopback) the bytes' SHA-256 is signed instead, as for a whole body.
 */
export function pacedPartCommand(
  params: UploadPartCommandInput,
  body: Uint8Array,
  pace: (body: Uint8Array, signal: AbortSignal) => AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  signPayload: boolean,
): UploadPartCommand {
  const command = new UploadPartCommand({ ...params, Body: pacedBody(body, pace, signal) });
  if (signPayload) {
    const hash = createHash("sha256").update(body).digest("hex");
    command.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers["x-amz-content-sha256"] = hash;
        return next(args);
      },
      { step: "build", name: "s3mpuPacedPayloadHash" },
    );
  }
  return command;
}
