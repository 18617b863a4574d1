/**
 * What each provider preset actually puts on the wire: a capturing proxy between the CLI and
 * MinIO records the checksum headers of every CreateMultipartUpload and UploadPart.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { getPreset } from "../backends/presets.ts";
import * as stores from "./support/servers.ts";
import { uploadCaptured } from "./support/reliability.ts";

const minio = stores.testServers().find((s) => s.name === "minio");
const CHECKSUM_HEADER =
  /^(x-amz-checksum-|x-amz-sdk-checksum-algorithm$|x-amz-trailer$|content-md5$)/;

for (
  const name of ["aws", "minio", "versitygw", "ceph", "r2", "b2", "gcs", "scaleway", "generic"]
) {
  Deno.test({
    name: `the ${name} preset sends exactly its checksum headers to MinIO`,
    ignore: !minio,
    async fn() {
      const server = minio!;
      const preset = getPreset(name);
      const upload = (bucket: string, file: string) => [
        ...["upload", "-b", bucket, "-k", "k", "-f", file],
        ...["-s", "5MiB", "--provider", name],
      ];
      const { run, bucket, bytes, captured } = await uploadCaptured(server, upload);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(await stores.objectSha256(server, bucket, "k"), stores.sha256Hex(bytes));
      const headersOf = (operation: string) =>
        captured.filter((r) => r.operation === operation).map((r) =>
          Object.keys(r.headers).filter((h) => CHECKSUM_HEADER.test(h)).sort()
        );
      const parts = headersOf("UploadPart");
      assertEquals(parts.length, 3);
      // A store that takes the checksum after the body gets it as a trailer (aws-chunked);
      // an md5 part gets no header unless the preset asks for Content-MD5 (its MD5 is summed
      // as it leaves and compared with the ETag instead).
      const trailing = preset.checksum.trailingChecksum === true;
      const algorithm = preset.checksum.partChecksum;
      const expected = trailing ? ["x-amz-trailer"] : {
        crc32: ["x-amz-checksum-crc32"],
        crc32c: ["x-amz-checksum-crc32c"],
        sha256: ["x-amz-checksum-sha256"],
        md5: preset.checksum.md5Header ? ["content-md5"] : [],
        none: [],
      }[algorithm];
      for (const headers of parts) assertEquals(headers, expected);
      for (const r of captured.filter((r) => r.operation === "UploadPart")) {
        assertEquals(
          r.headers["x-amz-trailer"],
          trailing ? `x-amz-checksum-${algorithm}` : undefined,
        );
      }
      // On loopback the part bodies are not SHA-256-signed (the checksum above protects
      // them); every other request keeps a signed payload hash.
      const payloadHashes = (operation: string) =>
        captured.filter((r) => r.operation === operation).map((r) =>
          r.headers["x-amz-content-sha256"]
        );
      for (const hash of payloadHashes("UploadPart")) {
        assertEquals(hash, trailing ? "STREAMING-UNSIGNED-PAYLOAD-TRAILER" : "UNSIGNED-PAYLOAD");
      }
      for (const hash of payloadHashes("CompleteMultipartUpload")) {
        assertMatch(hash, /^[0-9a-f]{64}$/);
      }
      const create = captured.find((r) => r.operation === "CreateMultipartUpload");
      assertOk(create);
      const declared = create.headers["x-amz-checksum-algorithm"];
      const flexible = ["crc32", "crc32c", "sha256"].includes(preset.checksum.partChecksum);
      assertEquals(declared, flexible ? preset.checksum.partChecksum.toUpperCase() : undefined);
      console.log(
        `${name}: UploadPart headers ${JSON.stringify(expected)}, declared at create: ${
          declared ?? "none"
        }`,
      );
    },
  });
}
