import { definePreset } from "./defaults.ts";
import { GB, type ProviderPreset, TB } from "./preset.ts";
import { MiB } from "../units.ts";

/** Scaleway Object Storage */
export const SCALEWAY: ProviderPreset = definePreset({
  name: "scaleway",
  title: "Scaleway Object Storage",
  docs: [
    "https://www.scaleway.com/en/docs/storage/object/api-cli/multipart-uploads/",
    "https://www.scaleway.com/en/docs/object-storage/reference-content/supported-checksums/",
    "https://www.scaleway.com/en/docs/faq/objectstorage/",
  ],
  endpoint: {
    // <bucket>.s3.<region>.scw.cloud, e.g. s3.fr-par.scw.cloud:
    // https://www.scaleway.com/en/docs/storage/object/api-cli/multipart-uploads/
    template: "https://s3.{region}.scw.cloud",
    hostPatterns: [/(^|\.)s3\.[a-z0-9-]+\.scw\.cloud$/],
  },
  // Bucket names with dots need the path form; path-style works for all buckets:
  // https://www.scaleway.com/en/docs/faq/objectstorage/
  forcePathStyle: true,
  region: {
    default: "",
    note: "The bucket's region, e.g. fr-par, nl-ams or pl-waw, as in s3.fr-par.scw.cloud.",
  },
  checksum: {
    // CRC32, CRC32C, SHA-1, SHA-256 (full-object and composite) and CRC64NVME are supported:
    // https://www.scaleway.com/en/docs/object-storage/reference-content/supported-checksums/
    sdkFlexibleChecksums: true,
    // CRC32 for the same CPU reason as AWS (native in Deno); composite CRC32 is listed.
    partChecksum: "crc32",
    // Not documented for this store: COMPOSITE (flexible) or MD5 ETags only.
    fullObjectChecksum: false,
    // Not documented either way.
    contentMd5Verified: false,
  },
  limits: {
    // 1 to 1,000 parts, 5 MB to 5 GB per part (the last may be smaller), 5 TB per object:
    // https://www.scaleway.com/en/docs/storage/object/api-cli/multipart-uploads/
    // "5 MB" minimum is read as 5 MiB and "5 GB"/"5 TB" maxima as decimal: the stricter side.
    minPartSize: 5 * MiB,
    maxPartSize: 5 * GB,
    maxParts: 1_000,
    maxObjectSize: 5 * TB,
  },
  // Not documented; do not assume.
  etagIsMd5: false,
  // No automatic purge documented.
  unfinishedUploadTtlHours: null,
});
