import type { ProviderPreset } from "./preset.ts";
import { S3_PART_RULES } from "./preset.ts";
import { GiB } from "../units.ts";

/**
 * What a provider file leaves out (rclone's provider overrides): a self-hosted
 * S3-compatible store at an endpoint only the user knows, addressed path-style, signed for
 * us-east-1, with S3's part rules, Content-MD5 per part, and nothing assumed that is not
 * documented (no checked Content-MD5, no MD5 ETags, no purge of unfinished uploads).
 */
function defaults(): Omit<ProviderPreset, "name" | "title" | "docs" | "region"> & {
  region: { default: string };
} {
  return {
    endpoint: { hostPatterns: [], required: true },
    forcePathStyle: true,
    region: { default: "us-east-1" },
    checksum: {
      sdkFlexibleChecksums: false,
      partChecksum: "md5",
      // Content-MD5 per part; the object's proof is its multipart ETag, where it is an MD5.
      fullObjectChecksum: false,
      contentMd5Verified: false,
    },
    // S3's part rules; the object cap is 10,000 parts of 5 GiB.
    limits: { ...S3_PART_RULES, maxObjectSize: 10_000 * 5 * GiB },
    etagIsMd5: false,
    unfinishedUploadTtlHours: null,
  };
}

/**
 * The checksum rules of a store that checks S3's flexible checksums: the SDK's
 * `x-amz-checksum-*` headers are accepted, a CRC32 sent with every part is verified, a
 * FULL_OBJECT CRC32 is kept and a wrong one refused at Complete, and a mismatching
 * Content-MD5 is refused (BadDigest). Each provider file that uses it cites where its store
 * documents (or was measured to show) this.
 *
 * CRC32 rather than CRC32C because of CPU cost: Deno's node:zlib has a native crc32 (about
 * 3 GB/s on x86-64 with Deno 2.9.6), while CRC32C has no native binding in Deno and runs
 * table-driven in JavaScript (backends/checksum.ts: about 290 MB/s on the same machine), which a
 * fast link can outrun. Both are 32-bit CRCs with the same error detection for this purpose;
 * CRC32 is also the SDK's own default, so store-side tooling shows the same algorithm.
 */
export const verifiedCrc32FullObject: Readonly<ProviderPreset["checksum"]> = Object.freeze({
  sdkFlexibleChecksums: true,
  partChecksum: "crc32",
  fullObjectChecksum: true,
  contentMd5Verified: true,
});

/** What a provider file says: its name, title, sources and region note, and where it differs. */
export type PresetOverrides =
  & Pick<ProviderPreset, "name" | "title" | "docs">
  & Partial<
    Omit<ProviderPreset, "name" | "title" | "docs" | "endpoint" | "region" | "checksum" | "limits">
  >
  & {
    endpoint?: Partial<ProviderPreset["endpoint"]>;
    region: Partial<ProviderPreset["region"]> & { note: string };
    checksum?: Partial<ProviderPreset["checksum"]>;
    limits?: Partial<ProviderPreset["limits"]>;
  };

/** A provider's preset: the defaults above with the provider's overrides on top. */
export function definePreset(overrides: PresetOverrides): ProviderPreset {
  const base = defaults();
  return {
    ...base,
    ...overrides,
    endpoint: { ...base.endpoint, ...overrides.endpoint },
    region: { ...base.region, ...overrides.region },
    checksum: { ...base.checksum, ...overrides.checksum },
    limits: { ...base.limits, ...overrides.limits },
  };
}
