/**
 * PutObject for the S3 adapter: one whole object in one request, with the same checksum
 * header a part would carry and the object options CreateMultipartUpload would send.
 *
 * @module
 */
import { PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import type { CompletedUpload, PutObjectInput } from "../types.ts";
import { stripQuotes } from "../etag.ts";
import { bodySlices, collectSlices } from "../part_body.ts";
import { CHECKSUM_FIELD, storedChecksum } from "./checksum_fields.ts";
import { createObjectParams, requestParams } from "./object_params.ts";
import { toBackendError } from "./error_map.ts";

/**
 * The PutObjectCommand for `input`, its body read whole first (objects put in one request are
 * small; a stream body is collected). The payload is signed with its SHA-256 as the SDK does
 * by default, so bytes changed on the way are refused (XAmzContentSHA256Mismatch) as well as
 * by the checksum header.
 */
export async function putObjectCommand(
  input: PutObjectInput,
  signal: AbortSignal,
): Promise<PutObjectCommand> {
  const body = input.body instanceof Uint8Array
    ? input.body
    : await collectSlices(bodySlices(input.body, signal));
  const { algorithm, value, trailing } = input.checksum;
  if (trailing) throw new Error("putObject takes no trailing checksum");
  const field = algorithm === "md5" ? "ContentMD5" : CHECKSUM_FIELD[algorithm];
  const params: PutObjectCommandInput = {
    Bucket: input.bucket,
    Key: input.key,
    Body: body,
    ContentLength: body.length,
    ...(input.contentType ? { ContentType: input.contentType } : {}),
    ...(createObjectParams(input.objectOptions) as Partial<PutObjectCommandInput>),
    ...requestParams(input.requestOptions),
    ...(input.noOverwrite ? { IfNoneMatch: "*" } : {}),
  };
  if (field && value) params[field] = value;
  return new PutObjectCommand(params);
}

/** The object PutObject's answer describes; an answer without an ETag is a failure. */
export function putResult(
  out: {
    ETag?: string;
    VersionId?: string;
    ChecksumCRC32?: string;
    ChecksumCRC32C?: string;
    ChecksumSHA256?: string;
    ChecksumType?: string;
  },
): CompletedUpload {
  if (!out.ETag) throw toBackendError(new Error("the server's answer to PutObject had no ETag"));
  const checksum = storedChecksum(out);
  return {
    eTag: stripQuotes(out.ETag),
    ...(out.VersionId ? { versionId: out.VersionId } : {}),
    ...(checksum ? { checksum } : {}),
  };
}
