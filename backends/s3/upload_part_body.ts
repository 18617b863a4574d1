/**
 * How an UploadPart carries its body: a stream read from the source as it is sent (the node
 * handler pipes it, keeping the explicit Content-Length), or one buffer (fetch drops
 * Content-Length on a stream, so it gets the part read whole first).
 *
 * @module
 */
import { UploadPartCommand, type UploadPartCommandInput } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { bodySize, bodySlices, collectSlices } from "../part_body.ts";
import type { ChecksumAlgorithm, UploadPartInput } from "../types.ts";
import { checksumHasher } from "../checksum.ts";
import { AwsChunkedFrame, awsChunkedHeaders } from "./aws_chunked.ts";
import {
  type ChunkSigning,
  requestSigning,
  SignedChunkFrame,
  signedChunkHeaders,
  signingKey,
} from "./signed_chunks.ts";
import { CHECKSUM_FIELD } from "./checksum_fields.ts";
import { requestParams } from "./object_params.ts";
import { BackendError } from "../errors.ts";
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
  /** With a trailing checksum: the one the last send carried (of the bytes it sent). */
  sentChecksum(): string | undefined;
  /** The request's error as the engine should see it (a chunk-signed part: see chunkDamaged). */
  explain(error: unknown): unknown;
}

/**
 * A chunk-signed part refused with SignatureDoesNotMatch: the credentials signed this upload's
 * earlier requests, so a chunk's bytes changed on the way. Retryable, not a credentials error.
 */
function chunkDamaged(error: unknown): unknown {
  if (!(error instanceof BackendError) || error.details.code !== "SignatureDoesNotMatch") {
    return error;
  }
  return new BackendError(
    "retryable",
    `a chunk's signature did not match: its bytes changed on the way (${error.message})`,
    { ...error.details },
  );
}

/** The trailer header of each flexible checksum, and its base64 length. */
const TRAILER: Partial<Record<ChecksumAlgorithm, [string, number]>> = {
  crc32: ["x-amz-checksum-crc32", 8],
  crc32c: ["x-amz-checksum-crc32c", 8],
  sha256: ["x-amz-checksum-sha256", 44],
};

/**
 * UploadPart's parameters but the body: the part, its length and its checksum header (none
 * for a trailing checksum, which goes after the body).
 */
export function partParams(input: UploadPartInput): UploadPartCommandInput {
  const params: UploadPartCommandInput = {
    Bucket: input.bucket,
    Key: input.key,
    UploadId: input.uploadId,
    PartNumber: input.partNumber,
    ContentLength: bodySize(input.body),
    ...requestParams(input.requestOptions),
  };
  const { algorithm, value, trailing } = input.checksum;
  const field = trailing
    ? undefined
    : algorithm === "md5"
    ? "ContentMD5"
    : CHECKSUM_FIELD[algorithm];
  if (field) params[field] = value;
  return params;
}

/**
 * Prepares the sends of `input` with `params` (everything but the body). `streams`: the
 * transport pipes a stream with its Content-Length (the node handler). `signPayload`: the
 * transport does not protect the body (plain HTTP beyond loopback), so a streamed body is
 * signed chunk by chunk (signed_chunks.ts; `secret` gives the signing key), and a whole one
 * by its SHA-256. A `trailing` checksum is summed as the bytes leave and sent after them
 * (aws-chunked): the caller made sure the payload is unsigned.
 */
export async function prepareSends(
  input: UploadPartInput,
  params: UploadPartCommandInput,
  signal: AbortSignal,
  opts: {
    streams: boolean;
    signPayload: boolean;
    slotBytes: number;
    /** The secret access key the SDK signs with (for chunk signatures). */
    secret: () => Promise<string>;
  },
): Promise<PartSends> {
  // Bytes in memory are piped only when paced; a stream is sent as it is read.
  const streamed = opts.streams &&
    (!(input.body instanceof Uint8Array) || input.paceBody !== undefined ||
      input.checksum.trailing === true);
  const trailer = input.checksum.trailing ? TRAILER[input.checksum.algorithm] : undefined;
  if (input.checksum.trailing && (!trailer || !streamed || opts.signPayload)) {
    throw new Error(
      `a trailing ${input.checksum.algorithm} checksum needs a streamed, unsigned body`,
    );
  }
  if (!streamed) {
    const whole = input.body instanceof Uint8Array
      ? input.body
      : await collectSlices(bodySlices(input.body, signal));
    return {
      command: () => new UploadPartCommand({ ...params, Body: whole }),
      signal,
      failure: () => undefined,
      close: () => {},
      sentChecksum: () => undefined,
      explain: (error) => error,
    };
  }
  const size = bodySize(input.body);
  const chunkSigned = opts.signPayload;
  // A body that fails (the source changed under it) cancels its request, and that failure,
  // not the cancellation, is what the caller must see.
  const own = new AbortController();
  const both = AbortSignal.any([signal, own.signal]);
  let failure: { error: unknown } | undefined;
  const bodies: Readable[] = [];
  let frame: AwsChunkedFrame | undefined;
  const headers: Record<string, string> = trailer
    ? awsChunkedHeaders(size, trailer[0], trailer[1])
    : chunkSigned
    ? signedChunkHeaders(size)
    : {};
  return {
    command: () => {
      // Paced slices are cut from the source's: the buffers are lent to the source either way.
      const slices = (s: AbortSignal, take: () => Promise<Uint8Array>) => {
        const source = bodySlices(input.body, s, take);
        return input.paceBody ? input.paceBody(source, s) : source;
      };
      frame = trailer
        ? new AwsChunkedFrame(size, trailer[0], checksumHasher(input.checksum.algorithm))
        : undefined;
      // The request's signature, read once the SDK has signed it: the chunks chain from it.
      let signing: ChunkSigning | undefined;
      const signed = chunkSigned
        ? new SignedChunkFrame(size, () => {
          if (!signing) throw new Error("the request was sent before it was signed");
          return signing;
        })
        : undefined;
      const body = pacedBody(slices, both, (error) => {
        failure ??= { error };
        own.abort(error);
      }, {
        frame: frame ?? signed,
        slotBytes: opts.slotBytes,
        heldSlices: input.body instanceof Uint8Array ? 0 : input.body.heldSlices,
      });
      bodies.push(body);
      const command = pacedPartCommand(params, body, headers);
      if (signed) {
        type Args = { request: unknown };
        const capture = (next: (args: Args) => Promise<unknown>) => async (args: Args) => {
          const request = args.request as { headers?: Record<string, string> };
          const seen = requestSigning(request.headers ?? {});
          if (!seen) throw new Error("the signed request carries no SigV4 signature");
          signing = { ...seen, signingKey: signingKey(await opts.secret(), seen.scope) };
          return next(args);
        };
        command.middlewareStack.addRelativeTo(
          capture as unknown as Parameters<typeof command.middlewareStack.addRelativeTo>[0],
          { relation: "after", toMiddleware: "httpSigningMiddleware", name: "s3mpuChunkSigning" },
        );
      }
      return command;
    },
    signal: both,
    failure: () => failure,
    close: () => bodies.forEach((body) => body.destroy()),
    sentChecksum: () => frame?.sum.value(),
    explain: chunkSigned ? chunkDamaged : (error) => error,
  };
}
