import assert from "node:assert/strict";
import {
  detectPreset,
  getPreset,
  presetFromServerHeader,
  presetNames,
  PRESETS,
  type ProviderPreset,
  regionFromEndpoint,
} from "./presets.ts";

const MiB = 1024 * 1024;
const TiB = 1024 ** 4;

Deno.test("presetNames lists every provider once, generic last", () => {
  assert.deepEqual(presetNames(), [
    "aws",
    "minio",
    "ceph",
    "r2",
    "b2",
    "gcs",
    "wasabi",
    "digitalocean",
    "scaleway",
    "storj",
    "versitygw",
    "seaweedfs",
    "garage",
    "generic",
  ]);
});

Deno.test("getPreset finds each preset by name, ignoring case and spaces", () => {
  const cases: [string, string][] = [
    ["aws", "aws"],
    ["AWS", "aws"],
    [" r2 ", "r2"],
    ["MinIO", "minio"],
    ["generic", "generic"],
    ["DigitalOcean", "digitalocean"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(getPreset(input).name, expected, input);
  }
});

Deno.test("getPreset rejects unknown names with a message listing the valid ones", () => {
  for (const input of ["", "s3", "cloudflare", "aws2"]) {
    assert.throws(
      () => getPreset(input),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /^Unknown provider/);
        for (const name of presetNames()) assert.ok(error.message.includes(name), name);
        return true;
      },
    );
  }
});

Deno.test("detectPreset maps endpoints to providers", () => {
  const cases: [string | undefined, string | undefined][] = [
    [undefined, "aws"],
    ["https://s3.amazonaws.com", "aws"],
    ["https://s3.us-east-1.amazonaws.com", "aws"],
    ["https://s3.eu-west-3.amazonaws.com/", "aws"],
    ["https://s3-us-west-2.amazonaws.com", "aws"],
    ["https://s3.dualstack.ap-south-1.amazonaws.com", "aws"],
    ["https://s3-fips.us-gov-west-1.amazonaws.com", "aws"],
    ["https://my-bucket.s3.us-east-2.amazonaws.com", "aws"],
    ["https://s3.cn-north-1.amazonaws.com.cn", "aws"],
    ["s3.eu-central-1.amazonaws.com", "aws"],
    ["https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com", "r2"],
    ["https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com", "r2"],
    ["https://s3.us-west-004.backblazeb2.com", "b2"],
    ["https://s3.eu-central-003.backblazeb2.com", "b2"],
    ["https://storage.googleapis.com", "gcs"],
    ["https://my.bucket.storage.googleapis.com", "gcs"],
    ["https://s3.wasabisys.com", "wasabi"],
    ["https://s3.eu-central-1.wasabisys.com", "wasabi"],
    ["https://nyc3.digitaloceanspaces.com", "digitalocean"],
    ["https://my-space.fra1.digitaloceanspaces.com", "digitalocean"],
    ["https://s3.fr-par.scw.cloud", "scaleway"],
    ["https://s3.nl-ams.scw.cloud", "scaleway"],
    ["https://gateway.storjshare.io", "storj"],
    ["https://gateway.us1.storjshare.io", "storj"],
    ["https://play.min.io", "minio"],
    ["HTTPS://S3.US-EAST-1.AMAZONAWS.COM", "aws"],
    // Local servers, IP addresses and unknown hosts are left to "generic".
    ["http://localhost:9000", undefined],
    ["http://minio.localhost:9000", undefined],
    ["http://127.0.0.1:9000", undefined],
    ["http://10.0.0.5", undefined],
    ["http://[::1]:9000", undefined],
    ["https://minio.example.com", undefined],
    ["https://objects.internal.corp", undefined],
    // Lookalikes must not match.
    ["https://s3.amazonaws.com.evil.example", undefined],
    ["https://evilstorage.googleapis.com.example", undefined],
    ["https://mys3.amazonaws.com", undefined],
    ["https://ec2.us-east-1.amazonaws.com", undefined],
    ["https://link.storjshare.io", undefined],
    // Unparseable input is not a known provider either.
    ["", undefined],
    ["http://", undefined],
  ];
  for (const [endpoint, expected] of cases) {
    assert.equal(detectPreset(endpoint)?.name, expected, String(endpoint));
  }
});

Deno.test("each endpoint template, filled in, is detected as its own provider", () => {
  const samples: Record<string, string> = {
    region: "eu-west-1",
    account: "0123456789abcdef0123456789abcdef",
    datacenter: "ams3",
  };
  for (const preset of PRESETS) {
    const template = preset.endpoint.template;
    if (!template) continue;
    const url = template.replace(/\{(\w+)\}/g, (_, key: string) => {
      assert.ok(key in samples, `${preset.name}: no sample for {${key}}`);
      return samples[key];
    });
    assert.equal(detectPreset(url)?.name, preset.name, url);
  }
});

Deno.test("regionFromEndpoint reads {region} out of the endpoint host", () => {
  const cases: [string, string, string | undefined][] = [
    ["b2", "https://s3.us-west-004.backblazeb2.com", "us-west-004"],
    ["b2", "https://bucket.s3.eu-central-003.backblazeb2.com", "eu-central-003"],
    ["scaleway", "https://s3.nl-ams.scw.cloud", "nl-ams"],
    ["aws", "https://s3.ap-southeast-2.amazonaws.com", "ap-southeast-2"],
    ["aws", "https://s3.amazonaws.com", undefined],
    ["wasabi", "https://s3.eu-central-2.wasabisys.com", "eu-central-2"],
    ["wasabi", "https://s3.wasabisys.com", undefined],
    ["r2", "https://abc.r2.cloudflarestorage.com", undefined],
    ["b2", "https://example.com", undefined],
    ["minio", "http://localhost:9000", undefined],
  ];
  for (const [name, endpoint, expected] of cases) {
    assert.equal(regionFromEndpoint(getPreset(name), endpoint), expected, `${name} ${endpoint}`);
  }
});

Deno.test("provider facts the engine relies on", () => {
  assert.equal(getPreset("r2").limits.equalPartSizes, true);
  assert.equal(getPreset("r2").region.default, "auto");
  assert.equal(getPreset("r2").unfinishedUploadTtlHours, 7 * 24);
  assert.equal(getPreset("minio").unfinishedUploadTtlHours, 24);
  assert.equal(getPreset("aws").unfinishedUploadTtlHours, null);
  assert.equal(getPreset("scaleway").limits.maxParts, 1_000);
  assert.equal(getPreset("storj").limits.minPartSize, 5 * MiB);
  assert.equal(getPreset("storj").recommendedPartSize, 64 * MiB);
  assert.equal(getPreset("b2").checksum.sdkFlexibleChecksums, false);
  assert.equal(getPreset("gcs").checksum.sdkFlexibleChecksums, false);
  assert.equal(getPreset("gcs").etagIsMd5, false);
  assert.equal(getPreset("aws").checksum.partChecksum, "crc32");
  assert.equal(getPreset("aws").endpoint.required, false);
  assert.equal(getPreset("generic").endpoint.required, true);
  assert.equal(getPreset("generic").forcePathStyle, true);
});

function checkInvariants(preset: ProviderPreset): void {
  const { limits, checksum, endpoint } = preset;
  const at = preset.name;
  assert.match(preset.name, /^[a-z0-9]+$/, at);
  assert.ok(preset.title.length > 0, at);
  // Limits: positive integers, consistent with each other and S3's floor.
  for (const value of Object.values(limits)) {
    if (typeof value === "number") assert.ok(Number.isSafeInteger(value) && value > 0, at);
  }
  assert.ok(limits.minPartSize >= 5 * MiB, `${at}: parts below 5 MiB are not S3-compatible`);
  assert.ok(limits.minPartSize <= limits.maxPartSize, at);
  assert.ok(limits.maxParts >= 1_000 && limits.maxParts <= 10_000, at);
  assert.ok(limits.maxParts * limits.maxPartSize >= 1 * TiB, `${at}: reach below 1 TiB`);
  assert.ok(limits.maxObjectSize >= 1 * TiB, at);
  assert.ok(
    limits.maxObjectSize <= limits.maxParts * limits.maxPartSize,
    `${at}: maxObjectSize is unreachable with maxParts x maxPartSize`,
  );
  if (preset.recommendedPartSize !== undefined) {
    assert.ok(preset.recommendedPartSize >= limits.minPartSize, at);
    assert.ok(preset.recommendedPartSize <= limits.maxPartSize, at);
  }
  // Documentation backs every preset.
  assert.ok(preset.docs.length > 0, at);
  for (const url of preset.docs) assert.match(url, /^https:\/\/[^\s]+$/, `${at}: ${url}`);
  // Checksums: flexible ones need a store that accepts x-amz-checksum-* headers.
  if (!["none", "md5"].includes(checksum.partChecksum)) {
    assert.ok(checksum.sdkFlexibleChecksums, `${at}: sends ${checksum.partChecksum} headers`);
  }
  // Endpoints: self-hosted stores need --endpoint; templates are https URLs.
  if (!endpoint.template) assert.ok(endpoint.required, at);
  if (endpoint.template) assert.match(endpoint.template, /^https:\/\//, at);
  for (const re of endpoint.hostPatterns) assert.ok(!re.global && !re.sticky, at);
  // TTL: null or a positive whole number of hours.
  const ttl = preset.unfinishedUploadTtlHours;
  assert.ok(ttl === null || (Number.isInteger(ttl) && ttl > 0), at);
  // Presets are frozen so no caller can change them for everyone else.
  assert.ok(Object.isFrozen(preset) && Object.isFrozen(limits) && Object.isFrozen(checksum), at);
}

Deno.test("every preset satisfies the invariants", () => {
  for (const preset of PRESETS) checkInvariants(preset);
});

Deno.test("preset names are unique and no host matches two presets", () => {
  assert.equal(new Set(presetNames()).size, PRESETS.length);
  assert.equal(PRESETS.at(-1)?.name, "generic");
  assert.equal(getPreset("generic").endpoint.hostPatterns.length, 0);
  const hosts = [
    "s3.us-east-1.amazonaws.com",
    "abc.r2.cloudflarestorage.com",
    "s3.us-west-004.backblazeb2.com",
    "storage.googleapis.com",
    "s3.wasabisys.com",
    "nyc3.digitaloceanspaces.com",
    "s3.fr-par.scw.cloud",
    "gateway.storjshare.io",
    "play.min.io",
  ];
  for (const host of hosts) {
    const matching = PRESETS.filter((p) => p.endpoint.hostPatterns.some((re) => re.test(host)));
    assert.equal(matching.length, 1, `${host}: ${matching.map((p) => p.name)}`);
  }
});

Deno.test("the self-hosted stores proved by scripts/test_more_stores.sh keep their known deviations as data", () => {
  const versitygw = getPreset("versitygw");
  const seaweedfs = getPreset("seaweedfs");
  const garage = getPreset("garage");
  for (const preset of [versitygw, seaweedfs, garage]) {
    assert.equal(preset.endpoint.required, true, preset.name);
    assert.equal(preset.forcePathStyle, true, preset.name);
    assert.equal(preset.etagIsMd5, true, preset.name);
    assert.equal(preset.checksum.partChecksum, "crc32", preset.name);
    assert.equal(preset.limits.minPartSize, 5 * MiB, preset.name);
    // Loopback and unknown hosts never select them: the user names them with --provider.
    assert.equal(detectPreset("http://127.0.0.1:7070"), undefined);
  }
  assert.equal(seaweedfs.deviations?.listPartsOmitsChecksums, true);
  assert.equal(seaweedfs.deviations?.createsMissingBucket, true);
  assert.equal(garage.deviations?.acceptsSmallParts, true);
  assert.equal(garage.deviations?.checksumMismatchCode, "InvalidDigest");
  // versitygw's --data-integrity-etag ETags (posix.go): parts and CRC64NVME objects carry no
  // -N suffix; MD5 ETags of the default mode do not match the pattern.
  const pattern = versitygw.deviations!.nonMd5ETags!.pattern;
  assert.match('"CRC64NVME-Mf6LDfYVtbc="', pattern);
  assert.match("CRC32-yZRlqg==-3", pattern);
  assert.doesNotMatch("9b2cf535f27731c974343645a3985328-3", pattern);
  assert.doesNotMatch("9b2cf535f27731c974343645a3985328", pattern);
});

Deno.test("a store that names itself in its Server header selects its preset; others none", () => {
  // Values as the stores send them: MinIO and versitygw observed against the pinned builds,
  // moto's (Werkzeug) too; Ceph RGW and SeaweedFS from their sources (see the presets).
  const cases: [string | undefined, string | undefined][] = [
    ["MinIO", "minio"],
    ["VERSITYGW", "versitygw"],
    ["Ceph Object Gateway (squid)", "ceph"],
    ["SeaweedFS 3.88", "seaweedfs"],
    ["Werkzeug/3.1.8 Python/3.11.7", undefined],
    ["amazon.com", undefined],
    ["nginx/1.25.3", undefined],
    ["  ", undefined],
    [undefined, undefined],
  ];
  for (const [server, expected] of cases) {
    assert.equal(presetFromServerHeader(server)?.name, expected, `Server: ${server}`);
  }
  // No two presets claim one header, and no pattern carries state between calls.
  for (const [server] of cases) {
    const claiming = PRESETS.filter((p) => server && p.endpoint.serverHeader?.test(server));
    assert.ok(claiming.length <= 1, `${server}: ${claiming.map((p) => p.name)}`);
  }
  for (const preset of PRESETS) {
    const re = preset.endpoint.serverHeader;
    if (re) assert.ok(!re.global && !re.sticky, preset.name);
  }
});
