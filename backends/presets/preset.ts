import type { BackendLimits, ChecksumAlgorithm } from "../types.ts";
import { GiB, MiB } from "../units.ts";

/** Decimal units, used where a provider writes "GB"/"TB" and does not say which it means. */
export const GB = 1_000_000_000;
export const TB = 1_000_000_000_000;

/** The rules of one S3-compatible provider. */
export interface ProviderPreset {
  /** Value of `--provider`, lowercase, e.g. "aws", "r2"; "generic" for any other store. */
  name: string;
  /** Human-readable name, e.g. "Amazon S3". */
  title: string;
  /** Documentation URLs that back the values below (each value's comment names its own). */
  docs: string[];
  /** Where the provider's S3 API lives. */
  endpoint: {
    /**
     * URL with `{placeholders}` the user fills in (e.g. `https://s3.{region}.amazonaws.com`),
     * or undefined for self-hosted servers whose URL only the user knows.
     */
    template?: string;
    /** Host names that identify this provider unambiguously, for `detectPreset`. */
    hostPatterns: RegExp[];
    /**
     * The HTTP `Server` header the store sends with every answer, errors included, for
     * `presetFromServerHeader` when the host says nothing (a self-hosted store by address).
     * Absent: the store does not name itself.
     */
    serverHeader?: RegExp;
    /**
     * Whether the user must pass `--endpoint`: true when the URL cannot be built from
     * defaults alone (self-hosted, or the template needs an account ID or a location that has
     * no sensible default).
     */
    required: boolean;
  };
  /** Whether the client should address buckets as `https://host/bucket/key`. */
  forcePathStyle: boolean;
  /** The region to sign requests with (SigV4 credential scope). */
  region: {
    /**
     * Region used when the user gives none. Empty when it must come from the user or from
     * the endpoint host (see `regionFromEndpoint`).
     */
    default: string;
    /** What the region means for this provider and where to find it. */
    note: string;
  };
  /** Integrity checking of uploaded parts. */
  checksum: {
    /**
     * Whether the store accepts the `x-amz-checksum-*` / `x-amz-trailer` headers that
     * @aws-sdk/client-s3 >= 3.729 adds by default (`requestChecksumCalculation:
     * WHEN_SUPPORTED`). When false the client must use `WHEN_REQUIRED`. False unless the
     * provider documents support, since `WHEN_REQUIRED` never breaks an upload.
     */
    sdkFlexibleChecksums: boolean;
    /**
     * What s3mpu sends with every part: a flexible checksum (`x-amz-checksum-*`, declared at
     * CreateMultipartUpload and listed again at Complete), `md5` (the `Content-MD5` header),
     * or `none`.
     */
    partChecksum: ChecksumAlgorithm;
    /**
     * Whether the store keeps and validates a FULL_OBJECT checksum (the CRC of the whole
     * object, declared at create and sent at Complete) for `partChecksum`. When false, a
     * flexible `partChecksum` gives a COMPOSITE object checksum (checksum of the part
     * checksums, `-N`), and `md5` leaves the MD5 ETags as the only content proof.
     */
    fullObjectChecksum: boolean;
    /**
     * Whether the provider documents that it rejects a part whose `Content-MD5` does not
     * match (BadDigest). When false, a `Content-MD5` s3mpu sends may be ignored.
     */
    contentMd5Verified: boolean;
    /**
     * Whether the store takes `partChecksum` after the part's body (aws-chunked with
     * `x-amz-trailer`, STREAMING-UNSIGNED-PAYLOAD-TRAILER) and verifies it, so a streamed
     * part is read from the file once, not twice (a first pass for a header checksum).
     * Used on HTTPS and loopback only (unsigned payloads). Absent: false.
     */
    trailingChecksum?: boolean;
    /**
     * Whether an `md5` part sends its MD5 in the `Content-MD5` header. The header must go
     * before the body, so a first pass reads the part to compute it: each part is read twice.
     * Absent (false): the part's MD5 and CRC32 are summed as it streams (read once), no
     * header is sent, and the MD5 is compared with the ETag the store answers
     * (src/engine/resend_damaged.ts). True only where the store documents that it checks
     * Content-MD5 and its ETags are not known to be MD5s, so the header is the only per-part
     * check there is.
     */
    md5Header?: boolean;
  };
  /** Part-size rules, in bytes, that the part planner must respect. */
  limits: BackendLimits;
  /**
   * Part size the provider recommends over its hard minimum (performance or cost), in bytes.
   * The planner should not choose smaller parts unless the user asks for them.
   */
  recommendedPartSize?: number;
  /**
   * Whether ETags follow S3's de facto scheme: a part's ETag (and a single-part object's) is
   * the hex MD5 of its bytes, and a completed multipart upload's ETag is the MD5 of the
   * concatenated binary part MD5s followed by `-N`. Even where true, server-side encryption
   * with customer or KMS keys changes ETags, so a mismatch must mean "cannot verify", never
   * "corrupt".
   */
  etagIsMd5: boolean;
  /**
   * Hours after which the provider deletes an unfinished multipart upload by default (a later
   * resume then gets NoSuchUpload), or null when it documents no automatic purge (a bucket
   * lifecycle rule may still set one).
   */
  unfinishedUploadTtlHours: number | null;
  /**
   * Whether ListMultipartUploads honours `Prefix` as a key prefix. MinIO matches it as an
   * exact object name, so s3mpu lists everything and filters itself there. Default true.
   */
  uploadListingByPrefix?: boolean;
  /**
   * Whether the store honours `If-None-Match: *` on PutObject and CompleteMultipartUpload:
   * it refuses (412 PreconditionFailed) to store an object where the key holds one, so
   * `--no-clobber` never overwrites. Absent: false (a store that ignores the header would
   * overwrite, so `--no-clobber` is refused there).
   */
  conditionalWrites?: boolean;
  /**
   * Where the store departs from S3 in ways s3mpu and its tests account for (each cited;
   * docs/providers.md lists them). Absent: S3's behaviour.
   */
  deviations?: StoreDeviations;
}

/** Known departures of a store from S3's behaviour (see {@link ProviderPreset.deviations}). */
export interface StoreDeviations {
  /**
   * The store completes uploads whose non-last parts are below `limits.minPartSize` (S3
   * answers EntityTooSmall). s3mpu still plans parts within the limits, so a part plan that
   * works here works on every store.
   */
  acceptsSmallParts?: boolean;
  /** Error code for a part whose checksum does not match, where it is not S3's BadDigest. */
  checksumMismatchCode?: string;
  /**
   * CreateMultipartUpload (and PutObject) into a missing bucket creates the bucket instead of
   * failing with NoSuchBucket, for identities allowed to create buckets: a mistyped `-b`
   * uploads into a new bucket.
   */
  createsMissingBucket?: boolean;
  /**
   * ListParts reports no part checksums, so a resumed run that finds a part on the server
   * but not in its journal reads that part from the file to checksum it (and compares the
   * part's MD5 with its ETag) rather than trusting or re-sending it.
   */
  listPartsOmitsChecksums?: boolean;
  /**
   * ETags of a server mode in which they are not MD5s although `etagIsMd5` describes the
   * default mode: ETags matching `pattern` come from that mode and prove nothing about MD5.
   */
  nonMd5ETags?: { pattern: RegExp; mode: string };
}

/** S3's own limits: 5 MiB to 5 GiB per part (the last may be smaller), 10,000 parts. */
export const S3_PART_RULES = {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxParts: 10_000,
  equalPartSizes: false,
} as const;
