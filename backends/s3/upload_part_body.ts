/**
 * How an UploadPart carries its body: a stream read from the source as it is sent (the node
 * handler pipes it, keeping the explicit Content-Length), or one buffer (fetch drops
 * Content-Length on a stream, so it gets the part read whole first).
 *
 * @module
 */
import { UploadPartCommand, type UploadPartCommandInput } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { bodySha256, bodySize, bodySlices, collectSlices } from "../part_body.ts";
import type { ChecksumAlgorithm, UploadPartInput } from "../types.ts";
import { checksumHasher } from "../checksum.ts";
import { AwsChunkedFrame, awsChunkedHeaders } from "./aws_chunked.ts";
import { CHECKSUM_FIELD } from "./checksum_fields.ts";
import { requestParams } from "./object_params.ts";
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
 * transport does not protect the body (plain HTTP beyond loopback), so the payload's SHA-256
 * is signed, which costs a read of the part. A `trailing` checksum is summed as the bytes
 * leave and sent after them (aws-chunked): the caller made sure the payload is unsigned.
 */
export async function prepareSends(
  input: UploadPartInput,
  params: UploadPartCommandInput,
  signal: AbortSignal,
  opts: { streams: boolean; signPayload: boolean; slotBytes: number },
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
    };
  }
  const payloadSha256 = opts.signPayload ? await bodySha256(input.body, signal) : undefined;
  // A body that fails (the source changed under it) cancels its request, and that failure,
  // not the cancellation, is what the caller must see.
  const own = new AbortController();
  const both = AbortSignal.any([signal, own.signal]);
  let failure: { error: unknown } | undefined;
  const bodies: Readable[] = [];
  let frame: AwsChunkedFrame | undefined;
  const headers: Record<string, string> = trailer
    ? awsChunkedHeaders(bodySize(input.body), trailer[0], trailer[1])
    : payloadSha256
    ? { "x-amz-content-sha256": payloadSha256 }
    : {};
  return {
    command: () => {
      // Paced slices are cut from the source's: the buffers are lent to the source either way.
      const slices = (s: AbortSignal, take: () => Promise<Uint8Array>) => {
        const source = bodySlices(input.body, s, take);
        return input.paceBody ? input.paceBody(source, s) : source;
      };
      frame = trailer
        ? new AwsChunkedFrame(
          bodySize(input.body),
          trailer[0],
          checksumHasher(input.checksum.algorithm),
        )
        : undefined;
      const body = pacedBody(slices, both, (error) => {
        failure ??= { error };
        own.abort(error);
      }, { frame, slotBytes: opts.slotBytes });
      bodies.push(body);
      return pacedPartCommand(params, body, headers);
    },
    signal: both,
    failure: () => failure,
    close: () => bodies.forEach((body) => body.destroy()),
    sentChecksum: () => frame?.sum.value(),
  };
}
