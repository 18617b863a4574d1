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
