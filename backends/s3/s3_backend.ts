import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type {
  Backend,
  BackendLimits,
  CompletedUpload,
  CompleteInput,
  CreateOptions,
  HeadOptions,
  MultipartUploadInfo,
  ObjectInfo,
  ObjectRef,
  PartsRef,
  PutObjectInput,
  ReadOptions,
  UploadedPart,
  UploadPartInput,
} from "../types.ts";
import { stripQuotes } from "../etag.ts";
import { toBackendError } from "./error_map.ts";
import { CHECKSUM_FIELD, SDK_ALGORITHM, storedChecksum } from "./checksum_fields.ts";
import { createS3Client } from "./s3_client.ts";
import { CredentialRefresher, isRefreshable } from "./credential_refresh.ts";
import { createObjectParams, requestParams } from "./object_params.ts";
import { partParams, prepareSends } from "./upload_part_body.ts";
import { putObjectCommand, putResult } from "./put_object.ts";
import { slotBytesFor } from "./paced_body.ts";
import { bodySize } from "../part_body.ts";
import type { S3Config } from "./s3_config.ts";
import { probeServer, type ServerAnswer } from "./server_probe.ts";

/** How to reach and treat one S3-compatible store. */
export type S3BackendOptions = S3Config;

/**
 * The adapter for AWS S3 and S3-compatible stores, on @aws-sdk/client-s3.
 *
 * The SDK's own retries and default checksums are off: retries happen in one place in the
 * engine, and the engine computes the per-part checksum once and passes it in (the SDK's
 * default CRC32 headers break several stores).
 */
export class S3Backend implements Backend {
  readonly name: string;
  readonly limits: BackendLimits;
  readonly trailingChecksums: boolean;
  /** A part body's buffer size, from the parts in flight (the socket pool's size). */
  readonly #slotBytes: number;
  readonly client: S3Client;
  readonly #serverFiltersByPrefix: boolean;
  readonly #unsignedPayload: boolean;
  /** fetch drops Content-Length on streams (S3 then refuses the part): send bodies whole. */
  readonly #streamsBodies: boolean;
  readonly #credentials: CredentialRefresher;

  constructor(opts: S3BackendOptions) {
    this.#serverFiltersByPrefix = opts.uploadListingByPrefix ?? true;
    this.#unsignedPayload = opts.unsignedPayload ?? false;
    this.#streamsBodies = opts.http.kind === "node";
    this.#slotBytes = slotBytesFor(opts.partsInFlight ?? opts.http.maxSockets);
    this.trailingChecksums = (opts.trailingChecksums ?? false) && this.#unsignedPayload &&
      this.#streamsBodies;
    this.name = opts.name;
    this.limits = opts.limits;
    this.client = createS3Client(opts);
    this.#credentials = new CredentialRefresher(this.client, opts.logger);
  }

  async createMultipartUpload(opts: CreateOptions, signal: AbortSignal): Promise<string> {
    const out = await this.#send((o) =>
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: opts.bucket,
          Key: opts.key,
          ...(SDK_ALGORITHM[opts.checksumAlgorithm]
            ? {
              ChecksumAlgorithm: SDK_ALGORITHM[opts.checksumAlgorithm],
              ...(opts.checksumType ? { ChecksumType: opts.checksumType } : {}),
            }
            : {}),
          ...(opts.contentType ? { ContentType: opts.contentType } : {}),
          ...createObjectParams(opts.objectOptions),
          ...requestParams(opts.requestOptions),
        }),
        o,
      ), signal);
    if (!out.UploadId) throw toBackendError(new Error("the server returned no upload id"));
    return out.UploadId;
  }

  async uploadPart(input: UploadPartInput, signal: AbortSignal): Promise<UploadedPart> {
    const { algorithm, value, trailing } = input.checksum;
    if (trailing && !this.trailingChecksums) {
      throw new Error(`${this.name} was given a trailing checksum it does not take`);
    }
    const sends = await prepareSends(input, partParams(input), signal, {
      streams: this.#streamsBodies,
      signPayload: !this.#unsignedPayload,
      slotBytes: this.#slotBytes,
      secret: async () => (await this.client.config.credentials()).secretAccessKey,
    });
    let out;
    try {
      out = await this.#send(
        (o) => this.client.send(sends.command(), o),
        sends.signal,
        "no_such_upload",
      );
    } catch (error) {
      throw sends.failure() && !signal.aborted ? sends.failure()!.error : sends.explain(error);
    } finally {
      sends.close();
    }
    if (!out.ETag) throw toBackendError(new Error("the server returned no ETag for the part"));
    const sent = trailing ? sends.sentChecksum() : value;
    return {
      partNumber: input.partNumber,
      eTag: stripQuotes(out.ETag),
      size: bodySize(input.body),
      ...(sent && algorithm !== "md5" ? { checksum: sent } : {}),
    };
  }

  async listParts(ref: PartsRef, signal: AbortSignal): Promise<UploadedPart[]> {
    const parts: UploadedPart[] = [];
    let marker = ref.afterPartNumber ? String(ref.afterPartNumber) : undefined;
    for (;;) {
      const out = await this.#send(
        (o) =>
          this.client.send(
            new ListPartsCommand({
              Bucket: ref.bucket,
              Key: ref.key,
              UploadId: ref.uploadId,
              ...(marker ? { PartNumberMarker: marker } : {}),
              ...requestParams(ref.requestOptions),
            }),
            o,
          ),
        signal,
        "no_such_upload",
      );
      for (const p of out.Parts ?? []) {
        if (p.PartNumber === undefined || !p.ETag) continue;
        const checksum = p.ChecksumCRC32 ?? p.ChecksumCRC32C ?? p.ChecksumSHA256;
        parts.push({
          partNumber: p.PartNumber,
          eTag: stripQuotes(p.ETag),
          ...(p.Size !== undefined ? { size: p.Size } : {}),
          ...(checksum ? { checksum } : {}),
          ...(p.LastModified ? { lastModified: p.LastModified } : {}),
        });
      }
      // Some stores omit IsTruncated; stop when a page adds nothing new.
      const next = out.NextPartNumberMarker;
      if (!out.IsTruncated || !next || next === marker) break;
      marker = next;
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipartUpload(
    input: CompleteInput,
    signal: AbortSignal,
  ): Promise<CompletedUpload> {
    const field = CHECKSUM_FIELD[input.checksumAlgorithm];
    // Each part's checksum is listed for FULL_OBJECT uploads too: MinIO answers InvalidPart
    // without them (measured against the pinned MinIO), and S3 accepts them.
    const parts: CompletedPart[] = input.parts.map((p) => ({
      PartNumber: p.partNumber,
      ETag: `"${p.eTag}"`,
      ...(field && p.checksum ? { [field]: p.checksum } : {}),
    }));
    const whole = field && input.fullObjectChecksum
      ? { [field]: input.fullObjectChecksum, ChecksumType: "FULL_OBJECT" as const }
      : {};
    const out = await this.#send(
      (o) =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: input.bucket,
            Key: input.key,
            UploadId: input.uploadId,
            MultipartUpload: { Parts: parts },
            ...whole,
            ...requestParams(input.requestOptions),
            ...(input.noOverwrite ? { IfNoneMatch: "*" } : {}),
          }),
          o,
        ),
      signal,
      "no_such_upload",
    );
    // A 200 whose body is no CompleteMultipartUploadResult (or one without an ETag) is not a
    // completed object: S3 documents 200 answers that carry an error.
    if (!out.ETag) {
      throw toBackendError(
        Object.assign(new Error("the server's answer to Complete had no ETag"), {
          name: "InternalError",
          $metadata: { httpStatusCode: 500 },
        }),
      );
    }
    const checksum = storedChecksum(out);
    return {
      eTag: stripQuotes(out.ETag),
      ...(out.Location ? { location: out.Location } : {}),
      ...(out.VersionId ? { versionId: out.VersionId } : {}),
      ...(checksum ? { checksum } : {}),
    };
  }

  async abortMultipartUpload(
    ref: ObjectRef & { uploadId: string },
    signal: AbortSignal,
  ): Promise<void> {
    await this.#send(
      (o) =>
        this.client.send(
          new AbortMultipartUploadCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            UploadId: ref.uploadId,
            ...requestParams(ref.requestOptions, false),
          }),
          o,
        ),
      signal,
      "no_such_upload",
    );
  }

  async putObject(input: PutObjectInput, signal: AbortSignal): Promise<CompletedUpload> {
    const command = await putObjectCommand(input, signal);
    return putResult(await this.#send((o) => this.client.send(command, o), signal));
  }

  async listMultipartUploads(
    opts: { bucket: string; prefix?: string },
    signal: AbortSignal,
  ): Promise<MultipartUploadInfo[]> {
    const uploads: MultipartUploadInfo[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    // Some stores (MinIO) treat Prefix as an exact key here: list all and filter ourselves.
    const serverPrefix = this.#serverFiltersByPrefix ? opts.prefix : undefined;
    for (;;) {
      const out = await this.#send((o) =>
        this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: opts.bucket,
            ...(serverPrefix ? { Prefix: serverPrefix } : {}),
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(idMarker ? { UploadIdMarker: idMarker } : {}),
          }),
          o,
        ), signal);
      for (const u of out.Uploads ?? []) {
        if (!u.Key || !u.UploadId) continue;
        if (opts.prefix && !u.Key.startsWith(opts.prefix)) continue;
        uploads.push({
          key: u.Key,
          uploadId: u.UploadId,
          ...(u.Initiated ? { initiated: u.Initiated } : {}),
        });
      }
      if (!out.IsTruncated || (!out.NextKeyMarker && !out.NextUploadIdMarker)) break;
      if (out.NextKeyMarker === keyMarker && out.NextUploadIdMarker === idMarker) break;
      keyMarker = out.NextKeyMarker;
      idMarker = out.NextUploadIdMarker;
    }
    return uploads;
  }

  async headObject(ref: ObjectRef, signal: AbortSignal, opts?: HeadOptions): Promise<ObjectInfo> {
    const out: HeadObjectCommandOutput = await this.#send(
      (o) =>
        this.client.send(
          new HeadObjectCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            ChecksumMode: "ENABLED",
            ...(opts?.partNumber ? { PartNumber: opts.partNumber } : {}),
            ...requestParams(ref.requestOptions),
          }),
          o,
        ),
      signal,
    );
    const checksum = storedChecksum(out);
    const encryption = out.SSECustomerAlgorithm
      ? "SSE-C"
      : out.ServerSideEncryption && out.ServerSideEncryption !== "AES256"
      ? out.ServerSideEncryption
      : undefined;
    return {
      size: out.ContentLength ?? 0,
      eTag: stripQuotes(out.ETag ?? ""),
      ...(out.LastModified ? { lastModified: out.LastModified } : {}),
      ...(out.VersionId ? { versionId: out.VersionId } : {}),
      ...(checksum ? { checksum } : {}),
      ...(out.PartsCount !== undefined ? { partsCount: out.PartsCount } : {}),
      ...(encryption ? { encryption } : {}),
    };
  }

  async objectPartSizes(ref: ObjectRef, signal: AbortSignal): Promise<number[] | undefined> {
    const sizes: number[] = [];
    let marker: string | undefined;
    for (;;) {
      let out;
      try {
        out = await this.#send((o) =>
          this.client.send(
            new GetObjectAttributesCommand({
              Bucket: ref.bucket,
              Key: ref.key,
              ObjectAttributes: ["ObjectParts"],
              ...(marker ? { PartNumberMarker: marker } : {}),
              ...requestParams(ref.requestOptions),
            }),
            o,
          ), signal);
      } catch (error) {
        // Stores without GetObjectAttributes (or that answer it in a shape the SDK cannot
        // read, like moto's dates) simply do not tell: the caller has other ways.
        if (signal.aborted) throw error;
        return undefined;
      }
      const parts = out.ObjectParts;
      if (!parts?.Parts?.length) return sizes.length ? sizes : undefined;
      for (const part of parts.Parts) {
        if (part.Size === undefined) return undefined;
        sizes.push(part.Size);
      }
      const next = parts.NextPartNumberMarker;
      if (!parts.IsTruncated || next === undefined || String(next) === marker) return sizes;
      marker = String(next);
    }
  }

  async readObject(
    ref: ObjectRef,
    signal: AbortSignal,
    opts?: ReadOptions,
  ): Promise<AsyncIterable<Uint8Array>> {
    const range = opts?.range;
    const out = await this.#send(
      (o) =>
        this.client.send(
          new GetObjectCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            ...(range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {}),
            ...requestParams(ref.requestOptions),
          }),
          o,
        ),
      signal,
    );
    if (!out.Body) throw toBackendError(new Error("the server sent no body for the object"));
    // Iterated as the SDK gives it: a web stream made of it cost 2x the CPU (bench/read_back.ts).
    return out.Body as unknown as AsyncIterable<Uint8Array>;
  }

  /** What the store says it is: one HeadBucket's `Server` header (see server_probe.ts). */
  probeServer(bucket: string, signal: AbortSignal): Promise<ServerAnswer> {
    return probeServer(this.client, bucket, signal);
  }

  close(): void {
    this.client.destroy();
  }

  /**
   * Runs one SDK call. When the server says the temporary credentials expired, the SDK's
   * credential provider is forced to fetch new ones (SSO cache, credential_process, web
   * identity, container or instance metadata) and the call is tried once more; whether new
   * ones help is for the server to say.
   */
  async #send<T>(
    call: (options: { abortSignal: AbortSignal }) => Promise<T>,
    signal: AbortSignal,
    notFound: "not_found" | "no_such_upload" = "not_found",
  ): Promise<T> {
    const generation = this.#credentials.generation;
    for (let refreshed = false;; refreshed = true) {
      if (signal.aborted) throw toBackendError(signal.reason, signal);
      try {
        return await call({ abortSignal: signal });
      } catch (error) {
        const mapped = toBackendError(error, signal, notFound);
        if (refreshed || !isRefreshable(mapped.details.code)) throw mapped;
        if (!(await this.#credentials.refresh(generation, mapped.details.code!))) throw mapped;
      }
    }
  }
}
