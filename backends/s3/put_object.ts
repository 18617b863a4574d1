/**
 * PutObject for the S3 adapter: a small object in one request, with its checksum header
 * (Content-MD5 or x-amz-checksum-*) and the object options a multipart create would carry.
 *
 * @module
 */
import {
  PutObjectCommand,
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { stripQuotes } from "../etag.ts";
import type { CompletedUpload, PutObjectInput } from "../types.ts";
import { CHECKSUM_FIELD, storedChecksum } from "./checksum_fields.ts";
import { createObjectParams, requestParams } from "./object_params.ts";

/** The PutObject command of `input`, whose body was read whole into `body`. */
export function putObjectCommand(input: PutObjectInput, body: Uint8Array): PutObjectCommand {
  const { algorithm, value } = input.checksum;
  const field = algorithm === "md5" ? "ContentMD5" : CHECKSUM_FIELD[algorithm];
  const params: PutObjectCommandInput = {
    Bucket: input.bucket,
    Key: input.key,
    Body: body,
    ContentLength: body.length,
    ...(input.contentType ? { ContentType: input.contentType } : {}),
    ...createObjectParams(input.objectOptions) as Partial<PutObjectCommandInput>,
    ...requestParams(input.requestOptions),
  };
  if (field) params[field] = value;
  return new PutObjectCommand(params);
}

/** What PutObject answered, as the port reports it. */
export function putObjectResult(out: PutObjectCommandOutput): CompletedUpload {
  const checksum = storedChecksum(out);
  return {
    eTag: stripQuotes(out.ETag ?? ""),
    ...(out.VersionId ? { versionId: out.VersionId } : {}),
    ...(checksum ? { checksum } : {}),
  };
}
