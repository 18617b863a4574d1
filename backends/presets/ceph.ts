import { definePreset } from "./defaults.ts";
import type { ProviderPreset } from "./preset.ts";

/** Ceph Object Gateway (RGW) */
export const CEPH: ProviderPreset = definePreset({
  name: "ceph",
  title: "Ceph Object Gateway (RGW)",
  docs: [
    "https://docs.ceph.com/en/latest/radosgw/config-ref/",
    "https://docs.ceph.com/en/latest/radosgw/s3/",
    "https://github.com/ceph/ceph/blob/main/src/rgw/rgw_op.cc",
    "https://github.com/ceph/ceph/blob/main/src/rgw/rgw_rest.cc",
  ],
  endpoint: {
    // Self-hosted: only the user knows the URL.
    hostPatterns: [],
    // "Server: Ceph Object Gateway (<release>)" unless rgw_service_provider_name replaces it
    // (dump_common_headers in src/rgw/rgw_rest.cc):
    // https://github.com/ceph/ceph/blob/main/src/rgw/rgw_rest.cc
    serverHeader: /^Ceph Object Gateway\b/,
  },
  // Virtual-hosted buckets need rgw_dns_name and wildcard DNS, which many clusters lack:
  // https://docs.ceph.com/en/latest/radosgw/config-ref/
  forcePathStyle: true,
  region: {
    note: "The zonegroup's api_name if the cluster sets one. Not confirmed in the Ceph docs " +
      "that RGW accepts us-east-1 for the default zonegroup.",
  },
  checksum: {
    // x-amz-checksum-* support arrived only in recent RGW releases (ceph/ceph PR 49986);
    // clusters run older ones, so WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    // RGWPutObj (which also serves UploadPart) compares a supplied Content-MD5 and fails with
    // BadDigest (source, not the docs): https://github.com/ceph/ceph/blob/main/src/rgw/rgw_op.cc
    contentMd5Verified: true,
  },
  // S3's part rules, the defaults: rgw_multipart_min_part_size 5 MiB, rgw_max_put_size 5 GiB and
  // rgw_multipart_part_upload_limit 10,000 (config-ref/; an operator may change them).
  // RGW stores the MD5 of the data as ETag and builds md5-of-md5s-N at completion (source:
  // https://github.com/ceph/ceph/blob/main/src/rgw/rgw_op.cc); not stated in the docs.
  etagIsMd5: true,
  // No default purge documented; RGW honours AbortIncompleteMultipartUpload lifecycle rules.
  unfinishedUploadTtlHours: null,
});
