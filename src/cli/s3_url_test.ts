import { assertEquals, assertThrows } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { type OptionSpec, parseFlags } from "./parse.ts";
import { keyFor, parseS3Url } from "./s3_url.ts";
import { closest } from "./did_you_mean.ts";

const UPLOAD: OptionSpec[] = [
  { long: "bucket", short: "b", type: "string", help: "" },
  { long: "key", short: "k", type: "string", help: "" },
  { long: "file-path", short: "f", type: "string", help: "" },
  { long: "dir-path", short: "d", type: "string", help: "" },
  { long: "prefix", short: "p", type: "string", help: "" },
];
const LIST: OptionSpec[] = [
  { long: "bucket", short: "b", type: "string", help: "" },
  { long: "prefix", type: "string", help: "" },
];

Deno.test("parseS3Url splits bucket and key, keeping the key exactly", () => {
  assertEquals(parseS3Url("s3://b/k"), { bucket: "b", key: "k" });
  assertEquals(parseS3Url("s3://b/dir/sub/"), { bucket: "b", key: "dir/sub/" });
  assertEquals(parseS3Url("s3://b"), { bucket: "b", key: "" });
  assertEquals(parseS3Url("S3://b/a//b c"), { bucket: "b", key: "a//b c" });
  assertThrows(() => parseS3Url("s3:///k"), UsageError, /s3:\/\/BUCKET\/KEY/);
});

Deno.test("a trailing slash means the prefix plus the file's name", () => {
  assertEquals(keyFor({ bucket: "b", key: "backups/" }, "/data/big.tar"), "backups/big.tar");
  assertEquals(keyFor({ bucket: "b", key: "" }, "big.tar"), "big.tar");
  assertEquals(keyFor({ bucket: "b", key: "x/y.tar" }, "big.tar"), "x/y.tar");
  assertEquals(keyFor({ bucket: "b", key: "x/" }, undefined), undefined);
});

Deno.test("upload SRC s3://BUCKET/KEY fills -f, -b and -k", () => {
  const flags = parseFlags("upload", UPLOAD, ["/tmp/big.tar", "s3://bkt/backups/"]);
  assertEquals([flags["file-path"], flags.bucket, flags.key], [
    "/tmp/big.tar",
    "bkt",
    "backups/big.tar",
  ]);
  const withF = parseFlags("upload", UPLOAD, ["-f", "a.bin", "s3://bkt/k.bin"]);
  assertEquals([withF["file-path"], withF.bucket, withF.key], ["a.bin", "bkt", "k.bin"]);
});

Deno.test("mixing s3:// with -b/-k, or a positional file with -f, is a usage error", () => {
  assertThrows(
    () => parseFlags("upload", UPLOAD, ["a.bin", "s3://bkt/k", "-b", "other"]),
    UsageError,
    /either as s3:\/\/bkt\/k or with --bucket, not both/,
  );
  assertThrows(
    () => parseFlags("upload", UPLOAD, ["a.bin", "s3://bkt/k", "-k", "x"]),
    UsageError,
    /--key/,
  );
  assertThrows(
    () => parseFlags("upload", UPLOAD, ["a.bin", "s3://bkt/k", "-f", "b.bin"]),
    UsageError,
    /argument .* or with -f\/-d, not both/,
  );
  assertThrows(
    () => parseFlags("upload", UPLOAD, ["s3://a/x", "s3://b/y"]),
    UsageError,
    /one s3:\/\/ URL/,
  );
  assertThrows(
    () => parseFlags("upload", UPLOAD, ["a", "b"]),
    UsageError,
    /Unexpected argument "b"/,
  );
});

Deno.test("list s3://BUCKET/PREFIX fills -b and --prefix", () => {
  const flags = parseFlags("list", LIST, ["s3://bkt/logs/2026/"]);
  assertEquals([flags.bucket, flags.prefix], ["bkt", "logs/2026/"]);
  assertThrows(() => parseFlags("list", LIST, ["local.txt"]), UsageError, /Unexpected argument/);
});

Deno.test("unknown options and commands get a suggestion", () => {
  assertThrows(
    () => parseFlags("upload", UPLOAD, ["--buckt", "x"]),
    UsageError,
    /Unknown option --buckt \(did you mean --bucket\?\)/,
  );
  assertThrows(() => parseFlags("upload", UPLOAD, ["--zzzzzz"]), UsageError, /--zzzzzz; see/);
  assertEquals(closest("uplaod", ["upload", "status", "abort"]), "upload");
  assertEquals(closest("stat", ["upload", "status", "abort"]), "status");
  assertEquals(closest("xyz", ["upload", "status"]), undefined);
});
