import { assertEquals } from "../../backends/testing/assert.ts";
import { asTyped, retyped } from "./as_typed.ts";
import { UsageError } from "../errors.ts";

const url = { url: "s3://my-bucket/backups/db.tar" };

Deno.test("messages naming -b and -k name the s3:// URL instead", () => {
  const cases: Array<[string, string]> = [
    [
      'Bucket name "B" must be 3 to 63 characters long; check -b.',
      'Bucket name "B" must be 3 to 63 characters long; check the bucket in s3://my-bucket/backups/db.tar.',
    ],
    [
      "The key is longer than S3's limit of 1,024 bytes; shorten -k.",
      "The key is longer than S3's limit of 1,024 bytes; shorten the key in s3://my-bucket/backups/db.tar.",
    ],
    [
      "the key is not valid on this store; choose another with -k (no ../)",
      "the key is not valid on this store; choose another key than the one in s3://my-bucket/backups/db.tar (no ../)",
    ],
    ["create it or check -b.", "create it or check the bucket in s3://my-bucket/backups/db.tar."],
    ["Missing -b/--bucket: x.", "Missing the bucket in s3://my-bucket/backups/db.tar: x."],
    // A suggested command keeps its flags, and longer options are not touched.
    [
      "find it with s3mpu list -b my-bucket --prefix k.",
      "find it with s3mpu list -b my-bucket --prefix k.",
    ],
    ["--bucket-owner -bx my-b", "--bucket-owner -bx my-b"],
  ];
  for (const [message, expected] of cases) assertEquals(asTyped(message, url), expected);
});

Deno.test("a URL that names no key asks for one; long URLs are shortened", () => {
  assertEquals(
    asTyped("--upload-id needs -b BUCKET and -k KEY too.", { url: "s3://b" }),
    "--upload-id needs a key in the URL (s3://b/KEY) too.",
  );
  assertEquals(
    asTyped("Missing -k/--key: the key.", { url: "s3://b/dir/" }),
    "Missing a key in the URL (s3://b/dir/KEY): the key.",
  );
  const long = `s3://b/${"k".repeat(100)}`;
  assertEquals(asTyped("shorten -k.", { url: long }), `shorten the key in ${long.slice(0, 77)}….`);
});

Deno.test("messages naming -f name the file argument; -b/-k/-f given as flags stay", () => {
  const file = { fileArgument: true };
  assertEquals(
    asTyped("/x does not exist; check the path given with -f.", file),
    "/x does not exist; check the path given as the file argument.",
  );
  assertEquals(
    asTyped("not s3://a/b; check -f/-m.", file),
    "not s3://a/b; check the file argument or -m.",
  );
  assertEquals(asTyped("check -b, -k and -f.", {}), "check -b, -k and -f.");
  const error = new UsageError("check -b.");
  assertEquals(
    (retyped(error, { "s3-url": "s3://b/k" }) as Error).message,
    "check the bucket in s3://b/k.",
  );
  assertEquals(
    (retyped(new UsageError("check -b."), { bucket: "b" }) as Error).message,
    "check -b.",
  );
});
