import {
  AbortMultipartUploadCommand,
  type ChecksumAlgorithm as SdkChecksumAlgorithm,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
  type UploadPartCommandInput,
} from "@aws-sdk/client-s3";
import type {
  Backend,
  BackendLimits,
  ChecksumAlgorithm,
  CompletedUpload,
  CompleteInput,
  CreateOptions,
  HeadOptions,
  MultipartUploadInfo,
  ObjectChecksum,
  ObjectInfo,
  ObjectRef,
  PartsRef,
  UploadedPart,
  UploadPartInput,
} from "../types.ts";
import { stripQuotes } from "../../src/state/parts_journal.ts";
import type { Logger } from "../../src/log.ts";
import { toBackendError } from "./error_map.ts";
import { checkErrorBodies } from "./error_body_check.ts";
import { createHttpHandler } from "./http_handler.ts";
import { createObjectParams, requestParams } from "./object_params.ts";
import { pacedBody, pacedPartCommand } from "./paced_body.ts";
import { bodySha256, bodySize, bodySlices, collectSlices, type PartBody } from "../part_body.ts";
import type { Readable } from "node:stream";
import type { BackendConfig } from "../registry.ts";

/** Error codes meaning "these temporary credentials ran out": fetch new ones and try again. */
const REFRESHABLE_CODES = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "TokenRefreshRequired",
]);

/** How to reach and treat one S3-compatible store. */
export type S3BackendOptions = BackendConfig;

/**
 * Signs UploadPart with `x-amz-content-sha256: UNSIGNED-PAYLOAD`, so the SDK does not hash
 * every part body with SHA-256 (~1 s of CPU per GiB here). The part's own checksum header
 * (CRC32 or Content-MD5) still lets the server verify the bytes; the caller enables this only
 * where the transport protects them too (HTTPS, loopback), as aws-cli does for HTTPS.
 */
function signPartsUnsigned(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (context.commandName === "UploadPartCommand" && request.headers) {
        request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
      }
      return next(args);
    },
    { step: "build", name: "s3mpuUnsignedPartPayload" },
  );
}

function sdkLogger(logger?: Logger) {
  const debug = (...args: unknown[]) => logger?.debug(`aws-sdk: ${args.map(String).join(" ")}`);
  return { trace: () => {}, debug: () => {}, info: () => {}, warn: debug, error: debug };
}

const SDK_ALGORITHM: Partial<Record<ChecksumAlgorithm, SdkChecksumAlgorithm>> = {
  crc32: "CRC32",
  crc32c: "CRC32C",
  sha256: "SHA256",
};

const CHECKSUM_FIELD: Partial<
  Record<ChecksumAlgorithm, "ChecksumCRC32" | "ChecksumCRC32C" | "ChecksumSHA256">
> = {
  crc32: "ChecksumCRC32",
  crc32c: "ChecksumCRC32C",
  sha256: "ChecksumSHA256",
};

/** The object checksum an SDK output carries, if any. */
function storedChecksum(out: {
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumSHA256?: string;
  ChecksumType?: string;
}): ObjectChecksum | undefined {
  const found = ([
    ["crc32", out.ChecksumCRC32],
    ["crc32c", out.ChecksumCRC32C],
    ["sha256", out.ChecksumSHA256],
  ] as const).find(([, value]) => value);
  if (!found) return undefined;
  const value = found[1]!;
  const type = out.ChecksumType === "FULL_OBJECT" || out.ChecksumType === "COMPOSITE"
    ? out.ChecksumType
    : /-\d+$/.test(value)
    ? "COMPOSITE"
    : "FULL_OBJECT";
  return { algorithm: found[0], value, type };
}

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
  readonly client: S3Client;
  readonly #serverFiltersByPrefix: boolean;
  readonly #unsignedPayload: boolean;
  /** fetch drops Content-Length on streams (S3 then refuses the part): send bodies whole. */
  readonly #streamsBodies: boolean;
  readonly #logger?: Logger;
  /** Bumped by every forced credential refresh, so parallel calls refresh only once. */
  #credentialGeneration = 0;
  #refreshing?: Promise<boolean>;

  constructor(opts: S3BackendOptions) {
    this.#logger = opts.logger;
    this.#serverFiltersByPrefix = opts.uploadListingByPrefix ?? true;
    this.#unsignedPayload = opts.unsignedPayload ?? false;
    this.#streamsBodies = opts.http.kind === "node";
    this.name = opts.name;
    this.limits = opts.limits;
    this.client = new S3Client({
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.profile ? { profile: opts.profile } : {}),
      forcePathStyle: opts.forcePathStyle,
      maxAttempts: 1,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: createHttpHandler(opts.http),
      // The SDK warns on the console when a streamed body's request fails; the engine
      // retries and logs that itself, so the SDK's own notes go to --debug only.
      logger: sdkLogger(opts.logger),
    });
    if (opts.unsignedPayload) signPartsUnsigned(this.client);
    checkErrorBodies(this.client);
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
    const size = bodySize(input.body);
    const params: UploadPartCommandInput = {
      Bucket: input.bucket,
      Key: input.key,
      UploadId: input.uploadId,
      PartNumber: input.partNumber,
      ContentLength: size,
      ...requestParams(input.requestOptions),
    };
    const { algorithm, value } = input.checksum;
    if (algorithm === "md5") params.ContentMD5 = value;
    if (algorithm === "crc32") params.ChecksumCRC32 = value;
    if (algorithm === "crc32c") params.ChecksumCRC32C = value;
    if (algorithm === "sha256") params.ChecksumSHA256 = value;
    // A stream is sent as it is read, unless fetch carries it (fetch drops Content-Length on
    // a stream): then it is read whole first. Bytes in memory are piped only when paced.
    const streamed = this.#streamsBodies &&
      (!(input.body instanceof Uint8Array) || input.paceBody !== undefined);
    const whole = streamed ? undefined : await this.#wholeBody(input.body, signal);
    const payloadSha256 = streamed && !this.#unsignedPayload
      ? await bodySha256(input.body, signal)
      : undefined;
    // A body stream that fails (the source changed under it) cancels its request, and that
    // failure, not the cancellation, is what the caller sees.
    const attempt = new AbortController();
    const both = AbortSignal.any([signal, attempt.signal]);
    let bodyFailure: { error: unknown } | undefined;
    const bodies: Readable[] = [];
    // A stream is single-use: make a fresh one for each send (a credential refresh resends).
    const withBody = (): UploadPartCommand => {
      if (!streamed) return new UploadPartCommand({ ...params, Body: whole });
      // Paced slices are cut from the source's: the buffers are lent to the source either way.
      const slices = (s: AbortSignal, take: () => Promise<Uint8Array>) => {
        const source = bodySlices(input.body, s, take);
        return input.paceBody ? input.paceBody(source, s) : source;
      };
      const body = pacedBody(slices, both, (error) => {
        bodyFailure ??= { error };
        attempt.abort(error);
      });
      bodies.push(body);
      return pacedPartCommand(params, body, payloadSha256);
    };
    let out;
    try {
      out = await this.#send((o) => this.client.send(withBody(), o), both, "no_such_upload");
    } catch (error) {
      if (bodyFailure && !signal.aborted) throw bodyFailure.error;
      throw error;
    } finally {
      // Ends a body the request stopped reading (a reset mid-part): its file handle closes.
      for (const body of bodies) body.destroy();
    }
    if (!out.ETag) throw toBackendError(new Error("the server returned no ETag for the part"));
    return {
      partNumber: input.partNumber,
      eTag: stripQuotes(out.ETag),
      size,
      ...(value && algorithm !== "md5" ? { checksum: value } : {}),
    };
  }

  /** The body in one buffer, for the fetch transport or an unpaced buffer. */
  async #wholeBody(body: PartBody, signal: AbortSignal): Promise<Uint8Array> {
    if (body instanceof Uint8Array) return body;
    return await collectSlices(bodySlices(body, signal));
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

  async readObject(ref: ObjectRef, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const out = await this.#send(
      (o) =>
        this.client.send(
          new GetObjectCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            ...requestParams(ref.requestOptions),
          }),
          o,
        ),
      signal,
    );
    if (!out.Body) throw toBackendError(new Error("the server sent no body for the object"));
    return out.Body.transformToWebStream() as ReadableStream<Uint8Array>;
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
    const generation = this.#credentialGeneration;
    for (let refreshed = false;; refreshed = true) {
      if (signal.aborted) throw toBackendError(signal.reason, signal);
      try {
        return await call({ abortSignal: signal });
      } catch (error) {
        const mapped = toBackendError(error, signal, notFound);
        if (refreshed || !REFRESHABLE_CODES.has(mapped.details.code ?? "")) throw mapped;
        if (!(await this.#refreshCredentials(generation, mapped.details.code!))) throw mapped;
      }
    }
  }

  /** Forces a credential refresh unless one happened since `seen`; false if it failed. */
  #refreshCredentials(seen: number, code: string): Promise<boolean> {
    if (this.#credentialGeneration !== seen) return Promise.resolve(true);
    this.#refreshing ??= (async () => {
      const provider = this.client.config.credentials as unknown;
      if (typeof provider !== "function") return false;
      this.#logger?.info(`The server answered ${code}; fetching fresh credentials.`);
      try {
        await (provider as (o: { forceRefresh: boolean }) => Promise<unknown>)({
          forceRefresh: true,
        });
        return true;
      } catch (error) {
        this.#logger?.warn(`Could not refresh the credentials: ${(error as Error).message}`);
        return false;
      } finally {
        this.#credentialGeneration++;
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }
}
