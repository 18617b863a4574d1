import { definePreset } from "./defaults.ts";
import { type ProviderPreset, S3_PART_RULES } from "./preset.ts";
import { TiB } from "../units.ts";

/** Other S3-compatible store */
export const GENERIC: ProviderPreset = definePreset({
  name: "generic",
  title: "Other S3-compatible store",
  docs: [
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html",
    "https://docs.aws.amazon.com/sdkref/latest/guide/feature-dataintegrity.html",
    "https://github.com/minio/minio/blob/master/docs/config/README.md",
  ],
  // Custom endpoints need path-style (design brief, section 4).
  forcePathStyle: true,
  region: {
    note: "Whatever the store expects; most self-hosted stores accept us-east-1.",
  },
  checksum: {
    // Unknown store: do not send headers it may reject.
    sdkFlexibleChecksums: false,
    // Content-MD5 is as old as S3 and accepted everywhere; whether it is checked is unknown.
    partChecksum: "md5",
  },
  limits: {
    // S3's rules, which every S3-compatible store claims (Scaleway's 1,000 parts is the known
    // exception and has its own preset). Equal part sizes cost nothing and satisfy R2-like
    // stores; the object cap is the classic 5 TiB.
    ...S3_PART_RULES,
    equalPartSizes: true,
    maxObjectSize: 5 * TiB,
  },
  // Several stores do not use MD5 ETags (design brief, section 4).
  etagIsMd5: false,
  // Unknown: assume the shortest default purge known among S3-compatible servers, MinIO's 24 h
  // (https://github.com/minio/minio/blob/master/docs/config/README.md).
  unfinishedUploadTtlHours: 24,
  // Unknown servers may be MinIO-like: filter upload listings on our side.
  uploadListingByPrefix: false,
});
