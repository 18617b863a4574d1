/**
 * Object option values beyond plain ASCII words, on every store (MinIO, moto, versitygw):
 * tags in any script are sent URL-encoded and read back (GetObjectTagging, with the reference
 * client) exactly as the user wrote them, or the run is refused before anything is created
 * (MinIO allows only ASCII in tags); user metadata outside US-ASCII is always refused, since
 * S3 has no encoding for it that reads back as written. See docs/s3-users.md.
 */
import { GetObjectTaggingCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { assertEquals, assertMatch } from "../backends/testing/assert.ts";
import { MiB, randomFile, runS3mpu } from "./support/cli.ts";
import { describeRun, errorLines } from "./support/run_output.ts";
import * as stores from "./support/servers.ts";

/** What the store holds for `key`: its tags and user metadata, through the reference client. */
async function readBack(server: stores.TestServer, bucket: string, key: string) {
  using client = stores.referenceClient(server);
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const tagging = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  const tags = Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key, t.Value]));
  return { head, tags };
}

/** A refused run: exit 2 naming `error`, and nothing created on the server. */
async function refusedBeforeCreate(
  server: stores.TestServer,
  bucket: string,
  args: string[],
  error: RegExp,
) {
  const run = await runS3mpu(args, stores.serverEnv(server));
  assertEquals(run.code, 2, describeRun(run));
  assertMatch(errorLines(run.stderr)[0] ?? "", error);
  assertEquals(await stores.listOpenUploads(server, bucket), [], "no upload was created");
}

// Any script, a space written as +, and characters that must be escaped in a query string.
const TAGGING = "city=Zürich&name=José Ñuñez&plus=a+b&path=a%2Fb%3Ac&at=x@y";
const TAGS = { city: "Zürich", name: "José Ñuñez", plus: "a b", path: "a/b:c", at: "x@y" };
const ASCII_TAGS = { plus: "a b", path: "a/b:c", at: "x@y" };

for (const server of stores.storeServers()) {
  Deno.test(`${server.name}: tags in any script are stored as written, or refused before anything is created`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(6 * MiB, "report.csv");
    const base = ["upload", file.path, `s3://${bucket}/tags/`, "-s", "5MiB"];
    const extra = [
      "--metadata",
      "project=apollo,note=%C3%BC encoded by hand",
      "--content-disposition",
      "attachment; filename*=UTF-8''%C3%BC.csv",
    ];
    if (server.name === "minio") {
      // MinIO takes only ASCII letters in tags: it refuses the create, nothing is left.
      await refusedBeforeCreate(
        server,
        bucket,
        [...base, "--tagging", TAGGING, ...extra],
        /\(InvalidTag\); this store refuses a tag of --tagging .*change --tagging/,
      );
      assertEquals(await stores.headETag(server, bucket, "tags/report.csv"), undefined);
    } else {
      const run = await runS3mpu(
        [...base, "--tagging", TAGGING, ...extra],
        stores.serverEnv(server),
      );
      assertEquals(run.code, 0, describeRun(run));
      await stores.assertStoredWhole(server, bucket, "tags/report.csv", file.bytes);
      const stored = await readBack(server, bucket, "tags/report.csv");
      assertEquals(stored.tags, TAGS);
      assertEquals(stored.head.Metadata, { project: "apollo", note: "%C3%BC encoded by hand" });
      assertEquals(stored.head.ContentDisposition, "attachment; filename*=UTF-8''%C3%BC.csv");
    }
    // The characters every store takes, escaped or not, read back as written.
    const ascii = await runS3mpu(
      [
        ...base.slice(0, 2),
        `s3://${bucket}/ascii.csv`,
        "--tagging",
        "plus=a+b&path=a/b%3Ac&at=x@y",
      ],
      stores.serverEnv(server),
    );
    assertEquals(ascii.code, 0, describeRun(ascii));
    await stores.assertStoredWhole(server, bucket, "ascii.csv", file.bytes);
    assertEquals((await readBack(server, bucket, "ascii.csv")).tags, ASCII_TAGS);
    await file.cleanup();
  });

  Deno.test(`${server.name}: metadata outside US-ASCII is refused before anything is created`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(6 * MiB);
    for (const metadata of ["k=ü", '{"city":"Zürich"}', "k=line\u0007bell"]) {
      await refusedBeforeCreate(
        server,
        bucket,
        ["upload", file.path, `s3://${bucket}/m.bin`, "--metadata", metadata],
        /--metadata value of "(k|city)": .* holds (the non-ASCII character|a control character)/,
      );
    }
    assertEquals(await stores.headETag(server, bucket, "m.bin"), undefined);
    await file.cleanup();
  });
}
