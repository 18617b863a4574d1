import { definePreset } from "./defaults.ts";
import { GB, type ProviderPreset, TB } from "./preset.ts";
import { MiB } from "../units.ts";

/** DigitalOcean Spaces */
export const DIGITALOCEAN: ProviderPreset = definePreset({
  name: "digitalocean",
  title: "DigitalOcean Spaces",
  docs: [
    "https://docs.digitalocean.com/products/spaces/details/limits/",
  ],
  endpoint: {
    template: "https://{datacenter}.digitaloceanspaces.com",
    hostPatterns: [/(^|\.)digitaloceanspaces\.com$/],
    // The datacenter (nyc3, fra1, ...) has no default.
    required: true,
  },
  // Both path-style and virtual-hosted requests work for API access:
  // https://docs.digitalocean.com/products/spaces/details/limits/
  forcePathStyle: true,
  region: {
    note: "The endpoint selects the datacenter; DigitalOcean's SDK examples sign with " +
      "us-east-1 (not re-confirmed here).",
  },
  checksum: {
    // Not documented: WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    // Sent because it costs only CPU; verification is not documented.
    partChecksum: "md5",
  },
  limits: {
    // Parts at least 5 MiB (except the last) and at most 5 GB, at most 10,000 parts, 5 TB per
    // multipart upload: https://docs.digitalocean.com/products/spaces/details/limits/
    // "GB"/"TB" are read as decimal, the smaller reading.
    minPartSize: 5 * MiB,
    maxPartSize: 5 * GB,
    maxParts: 10_000,
    maxObjectSize: 5 * TB,
  },
  // Not documented; do not assume.
  etagIsMd5: false,
  // Incomplete multipart uploads are deleted after 30 days (90 days in earlier versions of the
  // page): https://docs.digitalocean.com/products/spaces/details/limits/
  unfinishedUploadTtlHours: 30 * 24,
});
