/**
 * The bad-input table (issue 10): flags, state paths, chunk directories, environment and
 * server answers bent through the fault proxy. Every case runs through the CLI against MinIO
 * and moto, with --json, and must:
 *
 * - exit with its code and print exactly one `s3mpu: error:` line matching its fragment,
 *   no stack trace;
 * - print exactly one JSON object on stdout, `{"error": {code, message, exitCode, ...}}`,
 *   whose exitCode is the process's;
 * - leave every file in the sandbox byte-identical (state files included, unless the case
 *   creates an upload and so keeps state);
 * - create no multipart upload on the server unless the case says it must.
 */
import { AbortMultipartUploadCommand } from "@aws-sdk/client-s3";
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { type FaultRule, startFaultProxy } from "./support/fault_proxy.ts";
import { MiB, runS3mpu, seedUploadArgs } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import { answer, snapshotDir } from "./support/reliability.ts";
import { describeRun, errorLines, report, stackLines } from "./support/run_output.ts";

/** Where one case runs. */
interface Sandbox {
  dir: string;
  /** A 6 MiB source file. */
  file: string;
  meta: string;
  parts: string;
  bucket: string;
  server: stores.TestServer;
  /** The fault proxy in front of the server (rules set per case). */
  proxy: string;
  /** A loopback port nothing listens on. */
  closedPort: number;
}

interface TableCase {
  name: string;
  /** Arguments after `s3mpu` (--json is added). */
  args: (s: Sandbox) => string[];
  code: number;
  error: RegExp;
  /** The JSON error's `code`, when the case pins it. */
  jsonCode?: string;
  /** Environment instead of the server's (HOME and the AWS files point into the sandbox). */
  env?: (s: Sandbox) => Record<string, string>;
  setup?: (s: Sandbox) => Promise<void>;
  /** Fault proxy rules; the case's args should then use s.proxy. */
  rules?: FaultRule[];
  /** The case creates an upload (and keeps state): the state files may change. */
  createsUpload?: boolean;
  /** More checks once the run ended (what a file snapshot cannot see, such as directories). */
  after?: (s: Sandbox) => Promise<void>;
}

const KEY = "bad/table.bin";

const upload = (s: Sandbox, ...extra: string[]) =>
  seedUploadArgs(
    { bucket: s.bucket, key: KEY, file: s.file, meta: s.meta, parts: s.parts },
    ...extra,
  );

/** Upload through the fault proxy with one try per request, so failures come quickly. */
const viaProxy = (s: Sandbox, ...extra: string[]) =>
  upload(s, "--endpoint-url", s.proxy, "--retries", "2", "-t", "1", ...extra);

/** `upload FILE s3://BUCKET/KEY -m -a` (the aws-cli form) plus `extra`. */
const urlUpload = (s: Sandbox, url: string, ...extra: string[]) => [
  "upload",
  s.file,
  url,
  "-m",
  s.meta,
  "-a",
  s.parts,
  ...extra,
];

/** Upload through the fault proxy, the object given as an s3:// URL. */
const urlViaProxy = (s: Sandbox) =>
  urlUpload(s, `s3://${s.bucket}/${KEY}`, "--endpoint-url", s.proxy, "--retries", "2", "-t", "1");

/** The directory must not exist after the run. */
const absent = (path: (s: Sandbox) => string) => async (s: Sandbox) => {
  const made = await Deno.stat(path(s)).then(() => true, () => false);
  assertEquals(made, false, `${path(s)} was created`);
};

/** A meta file of an interrupted upload of this case's key, on the case's server. */
function metaOf(s: Sandbox, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    bucket: s.bucket,
    key: KEY,
    uploadId: "u-1",
    splitSize: 5 * MiB,
    ...extra,
  });
}

const partLine = (uploadId: string, partNumber = 1) =>
  JSON.stringify({ eTag: "0123456789abcdef0123456789abcdef", partNumber, uploadId }) + "\n";

async function chunks(s: Sandbox, names: string[], size: number): Promise<string> {
  const dir = `${s.dir}/chunks`;
  await Deno.mkdir(dir, { recursive: true });
  for (const name of names) await Deno.writeFile(`${dir}/${name}`, new Uint8Array(size).fill(3));
  return dir;
}

const chunkUpload = (s: Sandbox, ...extra: string[]) => [
  "upload",
  "-b",
  s.bucket,
  "-k",
  KEY,
  "-d",
  `${s.dir}/chunks`,
  "-p",
  "part_",
  "-m",
  s.meta,
  "-a",
  s.parts,
  ...extra,
];

/** No credentials anywhere: an empty HOME, no instance metadata. */
const bareEnv = (s: Sandbox): Record<string, string> => ({
  HOME: s.dir,
  AWS_CONFIG_FILE: `${s.dir}/aws-config`,
  AWS_SHARED_CREDENTIALS_FILE: `${s.dir}/aws-credentials`,
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_REGION: s.server.region,
  AWS_ENDPOINT_URL: s.server.endpoint,
});

export const CASES: TableCase[] = [
  // --- option bounds ---------------------------------------------------------------------
  {
    name: "--request-timeout 0s (would turn stall detection off)",
    args: (s) => upload(s, "--request-timeout", "0s"),
    code: 2,
    error: /--request-timeout takes a duration from 1s to 1h; got "0s"/,
    jsonCode: "usage",
  },
  {
    name: "--request-timeout 2h",
    args: (s) => upload(s, "--request-timeout", "2h"),
    code: 2,
    error: /--request-timeout takes a duration from 1s to 1h; got "2h"/,
  },
  {
    name: "--retries 101",
    args: (s) => upload(s, "--retries", "101"),
    code: 2,
    error: /--retries takes a whole number from 1 to 100; got "101"/,
  },
  {
    name: "-t 65",
    args: (s) => upload(s, "-t", "65"),
    code: 2,
    error: /-t\/--thread-count takes a whole number from 1 to 64; got "65"/,
  },
  {
    name: "-s 1KiB",
    args: (s) => upload(s, "-s", "1KiB"),
    code: 2,
    error: /Split size 1024 is below the store's minimum part size of 5242880 bytes/,
  },
  {
    name: "-s beyond any object (99999999GiB)",
    args: (s) => upload(s, "-s", "99999999GiB"),
    code: 2,
    error: /-s\/--split-size takes at most 5 TiB .*got "99999999GiB"/,
  },
  {
    name: "-s 1.5 (a fraction of a byte)",
    args: (s) => upload(s, "-s", "1.5"),
    code: 2,
    error: /-s\/--split-size must be a whole number of bytes above 0; got "1.5"/,
  },
  {
    name: "-s -1 (a negative size gets the option's range)",
    args: (s) => upload(s, "-s", "-1"),
    code: 2,
    error:
      /-s\/--split-size takes a part size within the store's part range \(5 MiB to 5 GiB on S3\); got "-1"/,
  },
  {
    name: "-t -1",
    args: (s) => upload(s, "-t", "-1"),
    code: 2,
    error: /-t\/--thread-count takes a whole number from 1 to 64; got "-1"/,
  },
  {
    name: "--retries -3",
    args: (s) => upload(s, "--retries", "-3"),
    code: 2,
    error: /--retries takes a whole number from 1 to 100; got "-3"/,
  },
  {
    name: "--request-timeout -1s",
    args: (s) => upload(s, "--request-timeout", "-1s"),
    code: 2,
    error: /--request-timeout takes a duration from 1s to 1h; got "-1s"/,
  },
  {
    name: "--limit-rate -5",
    args: (s) => upload(s, "--limit-rate", "-5"),
    code: 2,
    error: /--limit-rate takes a rate from 8KiB to 100GiB per second; got "-5"/,
  },
  {
    name: "--limit-rate 10TB (the rate's own limit, not the object size's)",
    args: (s) => upload(s, "--limit-rate", "10TB"),
    code: 2,
    error:
      /--limit-rate takes at most 100GiB per second \(omit --limit-rate for no limit\); got "10TB"/,
  },
  {
    name: "list --older-than -1d",
    args: (s) => ["list", "-b", s.bucket, "--older-than", "-1d"],
    code: 2,
    error: /--older-than takes a duration from 0s to 3650d; got "-1d"/,
  },
  {
    name: "verify -s -1",
    args: (s) => ["verify", "-b", s.bucket, "-k", KEY, "-f", s.file, "-s", "-1"],
    code: 2,
    error: /-s\/--split-size takes a whole number of bytes from 1 to 5 TiB .*; got "-1"/,
  },
  // --- object option values that a store would refuse or change ----------------------------
  {
    name: "--metadata k=v,k=w (a name twice)",
    args: (s) => upload(s, "--metadata", "k=v,k=w"),
    code: 2,
    error: /--metadata names "k" twice; give each name once/,
  },
  {
    name: "--metadata k=v,K=w (header names ignore case)",
    args: (s) => upload(s, "--metadata", "k=v,K=w"),
    code: 2,
    error: /--metadata names "K" twice \(as "k" too: names ignore case\)/,
  },
  {
    name: "--metadata k=ü (not US-ASCII: the store would blame the credentials)",
    args: (s) => upload(s, "--metadata", "k=ü"),
    code: 2,
    error:
      /--metadata value of "k": "ü" holds the non-ASCII character "ü", and S3 takes only US-ASCII here\. Encode the value yourself/,
  },
  {
    name: "--metadata JSON with a non-ASCII value",
    args: (s) => upload(s, "--metadata", '{"city":"Zürich"}'),
    code: 2,
    error: /--metadata value of "city": "Zürich" holds the non-ASCII character "ü"/,
  },
  {
    name: "--metadata value with a trailing space (HTTP would drop it)",
    args: (s) => upload(s, "--metadata", "k=v "),
    code: 2,
    error: /--metadata value of "k": "v " starts or ends with a space/,
  },
  {
    name: "--tagging k=v&k=w (a key twice)",
    args: (s) => upload(s, "--tagging", "k=v&k=w"),
    code: 2,
    error: /--tagging names the tag "k" twice; give each key once/,
  },
  {
    name: "--tagging k=%ZZ (a broken escape, not a bad key)",
    args: (s) => upload(s, "--tagging", "k=%ZZ"),
    code: 2,
    error: /--tagging "k=%ZZ": "%ZZ" is not a valid URL escape/,
  },
  {
    name: "--tagging k=a!b (a character S3 refuses in tags)",
    args: (s) => upload(s, "--tagging", "k=a!b"),
    code: 2,
    error: /--tagging: the value "a!b" holds "!", which S3 does not allow in tags/,
  },
  {
    name: "--content-disposition with a non-ASCII file name",
    args: (s) => upload(s, "--content-disposition", 'attachment; filename="ü.csv"'),
    code: 2,
    error: /--content-disposition: .* holds the non-ASCII character "ü".*filename\*=UTF-8''/,
  },
  {
    name: "--checksum-algorithm crc32 on the generic preset (its title in a sentence)",
    args: (s) => upload(s, "--provider", "generic", "--checksum-algorithm", "crc32"),
    code: 2,
    error:
      /--provider generic \(Other S3-compatible store\) takes only --checksum-algorithm md5: not every store accepts x-amz-checksum-\* headers\. Use md5, or the --provider of a store that accepts them \(aws, minio/,
  },
  {
    name: "an option before the command other than the output options",
    args: (s) => ["--profile", "x", ...upload(s)],
    code: 2,
    error:
      /Only --json, -q, -v and --debug may come before the command; put --profile after it: s3mpu upload --profile/,
  },
  // --- messages name the form typed: the s3:// URL, the file argument ---------------------
  {
    name: "a bucket name S3 refuses, in an s3:// URL",
    args: (s) => urlUpload(s, "s3://Bad_Bucket/x"),
    code: 2,
    error: /Bucket name "Bad_Bucket" .*; check the bucket in s3:\/\/Bad_Bucket\/x\.$/,
  },
  {
    name: "a key over 1,024 bytes, in an s3:// URL",
    args: (s) => urlUpload(s, `s3://${s.bucket}/${"k".repeat(1025)}`),
    code: 2,
    error: /longer than S3's limit of 1,024 bytes; shorten the key in s3:\/\//,
  },
  {
    name: "a missing file given as the file argument",
    args: (s) => ["upload", `${s.dir}/none.bin`, `s3://${s.bucket}/${KEY}`],
    code: 2,
    error: /none\.bin does not exist; check the path given as the file argument\./,
  },
  {
    name: "404 NoSuchBucket, the object given as an s3:// URL",
    rules: answer("CreateMultipartUpload", 404, "NoSuchBucket"),
    args: urlViaProxy,
    code: 2,
    error: /\(NoSuchBucket\); create it or check the bucket in s3:\/\/[^ ]+\/bad\/table\.bin\./,
  },
  {
    name: "400 InvalidObjectName, the object given as an s3:// URL",
    rules: answer("CreateMultipartUpload", 400, "InvalidObjectName"),
    args: urlViaProxy,
    code: 2,
    error: /choose another key than the one in s3:\/\/[^ ]+\/bad\/table\.bin/,
  },
  {
    name: "abort --upload-id of an s3:// URL that names no key",
    args: (s) => ["abort", `s3://${s.bucket}/`, "--upload-id", "u-1"],
    code: 2,
    error: /--upload-id needs a key in the URL \(s3:\/\/[^ ]+\/KEY\) too/,
  },
  // --- state directory ---------------------------------------------------------------------
  {
    name: "--state-dir under a parent that does not exist",
    args: (
      s,
    ) => ["upload", "-b", s.bucket, "-k", KEY, "-f", s.file, "--state-dir", `${s.dir}/no/st`],
    code: 2,
    error:
      /--state-dir .*\/no\/st: its parent directory .*\/no does not exist\. Create it first \(mkdir -p .*\/no\/st\)/,
    after: absent((s) => `${s.dir}/no`),
  },
  {
    name: "S3MPU_STATE_DIR under a parent that does not exist",
    env: (s) => ({ ...stores.serverEnv(s.server), S3MPU_STATE_DIR: `${s.dir}/no/st` }),
    args: (s) => ["upload", "-b", s.bucket, "-k", KEY, "-f", s.file],
    code: 2,
    error: /S3MPU_STATE_DIR .*\/no\/st: its parent directory .*\/no does not exist/,
    after: absent((s) => `${s.dir}/no`),
  },
  {
    name: "--state-dir that is a file",
    setup: (s) => Deno.writeTextFile(`${s.dir}/notes.txt`, "notes\n"),
    args: (s) => [
      "upload",
      ...["-b", s.bucket, "-k", KEY, "-f", s.file, "--state-dir", `${s.dir}/notes.txt`],
    ],
    code: 2,
    error: /--state-dir .*notes\.txt is not a directory/,
  },
  // --- endpoint and environment ------------------------------------------------------------
  {
    name: "endpoint without a scheme",
    args: (s) => upload(s, "--endpoint-url", `127.0.0.1:${s.closedPort}`),
    code: 2,
    error: /has no scheme; pass it as http:\/\/127\.0\.0\.1:\d+ .* or https:\/\//,
  },
  {
    name: "endpoint host:port that parses as a scheme (localhost:9000)",
    args: (s) => upload(s, "--endpoint-url", "localhost:9000"),
    code: 2,
    error: /"localhost:9000" has no scheme/,
  },
  {
    name: "endpoint with a password in it",
    args: (s) => upload(s, "--endpoint-url", "http://user:secret@127.0.0.1:9000"),
    code: 2,
    error: /holds a user name or password/,
  },
  {
    name: "endpoint with a query",
    args: (s) => upload(s, "--endpoint-url", "http://127.0.0.1:9000/?x=1"),
    code: 2,
    error: /has a query or fragment/,
  },
  {
    name: "AWS_ENDPOINT_URL without a scheme",
    env: (s) => ({ ...stores.serverEnv(s.server), AWS_ENDPOINT_URL: "127.0.0.1:9000" }),
    args: (s) => upload(s),
    code: 2,
    error: /"127\.0\.0\.1:9000" has no scheme/,
  },
  {
    name: "a refused port before anything exists",
    args: (s) => upload(s, "--endpoint-url", `http://127.0.0.1:${s.closedPort}`, "--retries", "1"),
    code: 2,
    error: /Nothing answered at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*Check --endpoint-url/,
    jsonCode: "unreachable",
  },
  {
    name: "unknown AWS_PROFILE",
    setup: (s) => Deno.writeTextFile(`${s.dir}/aws-config`, "[profile other]\nregion = x\n"),
    env: (s) => ({ ...bareEnv(s), AWS_PROFILE: "nope" }),
    args: (s) => upload(s),
    code: 2,
    error: /The AWS profile "nope" is not defined in .*aws-config or .*aws-credentials/,
  },
  {
    // The SDK ignores AWS_ACCESS_KEY_ID once AWS_PROFILE is set, so the keys don't rescue it.
    name: "unknown AWS_PROFILE with keys in the environment",
    env: (s) => ({ ...stores.serverEnv(s.server), HOME: s.dir, AWS_PROFILE: "typo" }),
    args: (s) => upload(s),
    code: 2,
    error: /The AWS profile "typo" is not defined in .*; check AWS_PROFILE .*or unset it/,
  },
  {
    name: "no credentials at all",
    env: bareEnv,
    args: (s) => upload(s),
    code: 2,
    error: /No AWS credentials were found: Could not load credentials from any providers/,
    jsonCode: "no_credentials",
  },
  {
    name: "S3MPU_PROVIDER names no preset",
    env: (s) => ({ ...stores.serverEnv(s.server), S3MPU_PROVIDER: "acme" }),
    args: (s) => upload(s),
    code: 2,
    error: /acme.*check --provider/,
  },
  {
    name: "AWS_CA_BUNDLE that does not exist",
    env: (s) => ({ ...stores.serverEnv(s.server), AWS_CA_BUNDLE: `${s.dir}/none.pem` }),
    args: (s) => upload(s),
    code: 2,
    error: /Cannot read the CA bundle .*none\.pem/,
  },
  // --- server answers through the fault proxy -----------------------------------------------
  {
    name: "403 SignatureDoesNotMatch (wrong secret key)",
    rules: answer("CreateMultipartUpload", 403, "SignatureDoesNotMatch"),
    args: viaProxy,
    code: 2,
    error: /store rejected the credentials \(SignatureDoesNotMatch\).*Check AWS_ACCESS_KEY_ID/,
    jsonCode: "credentials_rejected",
  },
  {
    name: "403 InvalidAccessKeyId",
    rules: answer("CreateMultipartUpload", 403, "InvalidAccessKeyId"),
    args: viaProxy,
    code: 2,
    error: /store rejected the credentials \(InvalidAccessKeyId\)/,
  },
  {
    name: "403 AccessDenied",
    rules: answer("CreateMultipartUpload", 403, "AccessDenied"),
    args: viaProxy,
    code: 2,
    error: /rejected the credentials \(AccessDenied\).*Use credentials that may write/,
  },
  {
    name: "400 ExpiredToken (log in again: resumable)",
    rules: answer("CreateMultipartUpload", 400, "ExpiredToken"),
    args: viaProxy,
    code: 3,
    error: /The credentials expired: .*\(ExpiredToken\)\. Log in again/,
    jsonCode: "credentials_expired",
  },
  {
    name: "404 NoSuchBucket",
    rules: answer("CreateMultipartUpload", 404, "NoSuchBucket"),
    args: viaProxy,
    code: 2,
    error: /The bucket ".*" does not exist \(NoSuchBucket\); create it or check -b/,
    jsonCode: "no_such_bucket",
  },
  {
    name: "400 InvalidObjectName",
    rules: answer("CreateMultipartUpload", 400, "InvalidObjectName"),
    args: viaProxy,
    code: 2,
    error: /\(InvalidObjectName\); the key is not valid on this store; choose another with -k/,
    jsonCode: "invalid_request",
  },
  {
    name: "400 XMinioInvalidObjectName",
    rules: answer("CreateMultipartUpload", 400, "XMinioInvalidObjectName"),
    args: viaProxy,
    code: 2,
    error: /\(XMinioInvalidObjectName\); the key is not valid/,
  },
  {
    name: "400 AuthorizationHeaderMalformed (wrong region)",
    rules: answer("CreateMultipartUpload", 400, "AuthorizationHeaderMalformed"),
    args: viaProxy,
    code: 2,
    error: /refused the region: .*Pass the bucket's region with --region/,
    jsonCode: "wrong_region",
  },
  {
    name: "400 InvalidArgument (another permanent 4xx)",
    rules: answer("CreateMultipartUpload", 400, "InvalidArgument"),
    args: viaProxy,
    code: 2,
    error: /\(InvalidArgument\); the same request would be refused again/,
  },
  {
    name: "405 MethodNotAllowed",
    rules: answer("CreateMultipartUpload", 405, "MethodNotAllowed"),
    args: viaProxy,
    code: 2,
    error: /\(MethodNotAllowed\)/,
  },
  {
    name: "503 SlowDown after all retries",
    rules: answer("CreateMultipartUpload", 503, "SlowDown"),
    args: viaProxy,
    code: 3,
    error: /kept failing after all retries: .*\(SlowDown\)\. Nothing was uploaded yet/,
    jsonCode: "throttled",
  },
  {
    name: "500 InternalError after all retries",
    rules: answer("CreateMultipartUpload", 500, "InternalError"),
    args: viaProxy,
    code: 3,
    error: /kept failing after all retries: .*\(InternalError\)/,
    jsonCode: "network",
  },
  {
    name: "400 EntityTooSmall on a part (state kept)",
    rules: answer("UploadPart", 400, "EntityTooSmall"),
    args: viaProxy,
    code: 2,
    error: /\(EntityTooSmall\); a part is below the store's minimum part size.*State kept in/,
    createsUpload: true,
  },
  {
    name: "500 on every part after all retries (state kept)",
    rules: answer("UploadPart", 500, "InternalError"),
    args: viaProxy,
    code: 3,
    error: /kept failing after all retries.*State kept in .*state\.json; run the same command/,
    createsUpload: true,
  },
  {
    name: "403 SignatureDoesNotMatch on a part (state kept, still exit 2)",
    rules: answer("UploadPart", 403, "SignatureDoesNotMatch"),
    args: viaProxy,
    code: 2,
    error: /rejected the credentials \(SignatureDoesNotMatch\).*run the same command to resume/,
    createsUpload: true,
  },
  // --- state paths -------------------------------------------------------------------------
  {
    name: "-m is the source file",
    args: (s) => upload(s, "-m", s.file),
    code: 2,
    error: /-m .*source\.bin is the file being uploaded/,
    jsonCode: "state_path",
  },
  {
    name: "-a is the source file",
    args: (s) => upload(s, "-a", s.file),
    code: 2,
    error: /-a .*source\.bin is the file being uploaded/,
  },
  {
    name: "-m and -a the same path",
    args: (s) => upload(s, "-a", s.meta),
    code: 2,
    error: /-m and -a name the same file .*state\.json/,
  },
  {
    name: "-a a hard link to the source (same inode)",
    setup: (s) => Deno.link(s.file, `${s.dir}/linked.jsonl`),
    args: (s) => upload(s, "-a", `${s.dir}/linked.jsonl`),
    code: 2,
    error: /-a .*linked\.jsonl is the file being uploaded/,
  },
  {
    name: "-m a symbolic link to the source",
    setup: (s) => Deno.symlink(s.file, `${s.dir}/link.json`),
    args: (s) => upload(s, "-m", `${s.dir}/link.json`),
    code: 2,
    error: /-m .*source\.bin is the file being uploaded/,
  },
  {
    name: "-m a dangling symbolic link",
    setup: (s) => Deno.symlink(`${s.dir}/gone.json`, `${s.dir}/dangling.json`),
    args: (s) => upload(s, "-m", `${s.dir}/dangling.json`),
    code: 2,
    error: /dangling\.json is a symbolic link to .*gone\.json, which does not exist/,
  },
  {
    name: "-m a directory",
    setup: (s) => Deno.mkdir(`${s.dir}/somedir`),
    args: (s) => upload(s, "-m", `${s.dir}/somedir`),
    code: 2,
    error: /-m .*somedir is a directory, not a regular file/,
  },
  {
    name: "-a a character device (/dev/null)",
    args: (s) => upload(s, "-a", "/dev/null"),
    code: 2,
    error: /-a \/dev\/null is a character device, not a regular file/,
  },
  {
    name: "-a a FIFO",
    setup: async (s) => {
      const made = await new Deno.Command("mkfifo", { args: [`${s.dir}/fifo`] }).output();
      assertOk(made.success, "mkfifo");
    },
    args: (s) => upload(s, "-a", `${s.dir}/fifo`),
    code: 2,
    error: /-a .*fifo is a named pipe \(FIFO\)/,
  },
  {
    name: "-m an unrelated JSON file (package.json)",
    setup: (s) => Deno.writeTextFile(`${s.dir}/package.json`, '{"name": "app"}\n'),
    args: (s) => upload(s, "-m", `${s.dir}/package.json`),
    code: 2,
    error: /package\.json is not an s3mpu meta file \(it lacks bucket, key, uploadId/,
  },
  {
    name: "--restart with -m an unrelated file",
    setup: (s) => Deno.writeTextFile(`${s.dir}/notes.txt`, "my notes\n"),
    args: (s) => upload(s, "-m", `${s.dir}/notes.txt`, "--restart"),
    code: 2,
    error: /notes\.txt is not an s3mpu meta file \(it is not JSON\)/,
  },
  {
    name: "-a an unrelated text file",
    setup: (s) => Deno.writeTextFile(`${s.dir}/todo.txt`, "buy milk\n"),
    args: (s) => upload(s, "-a", `${s.dir}/todo.txt`),
    code: 2,
    error: /todo\.txt is not an s3mpu parts file/,
  },
  {
    name: "--restart with -a an unrelated JSON Lines file",
    setup: (s) => Deno.writeTextFile(`${s.dir}/log.jsonl`, '{"level":"info"}\n'),
    args: (s) => upload(s, "-a", `${s.dir}/log.jsonl`, "--restart"),
    code: 2,
    error: /log\.jsonl is not an s3mpu parts file/,
  },
  {
    name: "--restart with state of another key",
    setup: (s) =>
      Deno.writeTextFile(s.meta, JSON.stringify({ ...JSON.parse(metaOf(s)), key: "x" })),
    args: (s) => upload(s, "--restart"),
    code: 2,
    error:
      /records an upload to s3:\/\/.*\/x, not s3:\/\/.*bad\/table\.bin; s3mpu will not overwrite/,
  },
  {
    name: "meta file and parts file of different uploads",
    setup: async (s) => {
      await Deno.writeTextFile(s.meta, metaOf(s));
      await Deno.writeTextFile(s.parts, partLine("u-2"));
    },
    args: (s) => upload(s),
    code: 2,
    error: /parts\.jsonl holds parts of upload u-2, but .*state\.json records upload u-1/,
  },
  {
    name: "a user file where the lock file goes",
    setup: (s) => Deno.writeTextFile(`${s.meta}.lock`, "do not delete\n"),
    args: (s) => upload(s),
    code: 2,
    error: /state\.json\.lock exists and is not an s3mpu lock file/,
  },
  {
    name: "-a names the lock file of -m",
    args: (s) => upload(s, "-a", `${s.meta}.lock`),
    code: 2,
    error: /-a and the lock file of -m name the same file/,
  },
  {
    name: "resume on another endpoint than the recorded one",
    setup: (s) =>
      Deno.writeTextFile(
        s.meta,
        metaOf(s, { provider: "generic", endpoint: `http://127.0.0.1:${s.closedPort}` }),
      ),
    args: (s) => upload(s),
    code: 4,
    error:
      /records upload u-1 on endpoint http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:\d+.*Pass --endpoint-url/,
    jsonCode: "store_changed",
  },
  {
    name: "--restart when the recorded store does not answer",
    setup: (s) =>
      Deno.writeTextFile(
        s.meta,
        metaOf(s, { provider: "generic", endpoint: `http://127.0.0.1:${s.closedPort}` }),
      ),
    args: (s) => upload(s, "--restart", "--retries", "1"),
    code: 2,
    error:
      /Could not abort the recorded upload u-1 on its store http:\/\/127\.0\.0\.1:\d+ \(--restart\): Nothing answered .*ECONNREFUSED.*Nothing was changed/,
    jsonCode: "unreachable",
  },
  {
    name: "abort with a meta file and parts file of different uploads",
    setup: async (s) => {
      await Deno.writeTextFile(s.meta, metaOf(s, { provider: "generic" }));
      await Deno.writeTextFile(s.parts, partLine("u-2"));
    },
    args: (s) => ["abort", "-m", s.meta, "-a", s.parts],
    code: 2,
    error: /holds parts of upload u-2, but .* records upload u-1: they belong to different uploads/,
  },
  {
    name: "status -m a FIFO (would hang a reader)",
    setup: async (s) => {
      const made = await new Deno.Command("mkfifo", { args: [`${s.dir}/meta-fifo`] }).output();
      assertOk(made.success, "mkfifo");
    },
    args: (s) => ["status", "-m", `${s.dir}/meta-fifo`, "-a", s.parts],
    code: 2,
    error: /-m .*meta-fifo is a named pipe \(FIFO\), not a regular file/,
  },
  {
    name: "abort -a /dev/null",
    setup: (s) => Deno.writeTextFile(s.meta, metaOf(s, { provider: "generic" })),
    args: (s) => ["abort", "-m", s.meta, "-a", "/dev/null"],
    code: 2,
    error: /-a \/dev\/null is a character device/,
  },
  {
    name: "abort -m an unrelated file",
    setup: (s) => Deno.writeTextFile(`${s.dir}/package.json`, '{"name": "app"}\n'),
    args: (s) => ["abort", "-m", `${s.dir}/package.json`, "-a", s.parts],
    code: 2,
    error: /package\.json is not an s3mpu meta file/,
  },
  // --- chunk directories -------------------------------------------------------------------
  {
    name: "chunk directory with files that match the prefix but are not chunks",
    setup: async (s) => {
      await chunks(s, ["part_1", "part_2", "part_2.bak", "part_x"], 5 * MiB);
    },
    args: (s) => chunkUpload(s),
    code: 2,
    error: /2 file\(s\) in .*chunks start with "part_" but are not chunks .*: part_2\.bak, part_x/,
  },
  {
    name: "1 MiB chunks (below the minimum part size)",
    setup: async (s) => {
      await chunks(s, ["part_1", "part_2", "part_3"], MiB);
    },
    args: (s) => chunkUpload(s),
    code: 2,
    error: /The chunks are 1048576 bytes, below the store's minimum part size of 5242880/,
  },
  {
    name: "1 MiB chunks with -s 5MiB",
    setup: async (s) => {
      await chunks(s, ["part_1", "part_2"], MiB);
    },
    args: (s) => chunkUpload(s, "-s", "5MiB"),
    code: 2,
    error: /-s 5242880 does not match the chunks: with -d each chunk is one part/,
  },
  {
    name: "two chunks with the same number",
    setup: async (s) => {
      await chunks(s, ["part_1", "part_01"], 5 * MiB);
    },
    args: (s) => chunkUpload(s),
    code: 2,
    error: /part_01 and part_1 in .* carry the same chunk number/,
  },
];

async function sandbox(server: stores.TestServer, bucket: string, proxy: string): Promise<Sandbox> {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-table-" });
  const file = `${dir}/source.bin`;
  await Deno.writeFile(file, new Uint8Array(6 * MiB).fill(7));
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return {
    dir,
    file,
    meta: `${dir}/state.json`,
    parts: `${dir}/parts.jsonl`,
    bucket,
    server,
    proxy,
    closedPort,
  };
}

async function abortAll(server: stores.TestServer, bucket: string, uploads: stores.OpenUpload[]) {
  using client = stores.referenceClient(server);
  for (const u of uploads) {
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.key, UploadId: u.uploadId }),
    );
  }
}

const servers = stores.testServers();

for (const server of servers) {
  Deno.test(`${server.name}: bad input table (${CASES.length} cases)`, async (t) => {
    const bucket = await stores.createTestBucket(server);
    const proxy = await startFaultProxy({ target: server.endpoint });
    let exit2 = 0;
    try {
      for (const c of CASES) {
        await t.step(c.name, async () => {
          const label = `${server.name}: ${c.name}`;
          const s = await sandbox(server, bucket, proxy.url);
          try {
            await c.setup?.(s);
            proxy.setRules(c.rules ?? []);
            const before = await snapshotDir(s.dir);
            const uploadsBefore = await stores.listOpenUploads(server, bucket);
            const run = await runS3mpu(
              [...c.args(s), "--json"],
              c.env?.(s) ?? stores.serverEnv(server),
            );
            await proxy.settled();
            assertEquals(run.code, c.code, `${label}: ${describeRun(run)}`);
            const errors = errorLines(run.stderr);
            assertEquals(errors.length, 1, `${label}: one error line:\n${run.stderr}`);
            assertMatch(errors[0], c.error, label);
            assertEquals(stackLines(run.stderr + run.stdout), [], `${label}: no stack trace`);
            const lines = run.stdout.split("\n").filter((l) => l !== "");
            assertEquals(lines.length, 1, `${label}: one JSON line on stdout:\n${run.stdout}`);
            const json = JSON.parse(lines[0]);
            assertEquals(json.error.exitCode, c.code, `${label}: JSON exitCode`);
            assertEquals(
              `s3mpu: error: ${json.error.message}`,
              errors[0],
              `${label}: JSON message`,
            );
            if (c.jsonCode) assertEquals(json.error.code, c.jsonCode, `${label}: JSON code`);
            const after = await snapshotDir(s.dir);
            if (c.createsUpload) {
              for (const name of ["state.json", "parts.jsonl"]) {
                before.delete(name);
                after.delete(name);
              }
            }
            assertEquals(after, before, `${label}: no file changed`);
            const uploadsAfter = await stores.listOpenUploads(server, bucket);
            const created = uploadsAfter.filter((u) =>
              !uploadsBefore.some((b) => b.uploadId === u.uploadId)
            );
            assertEquals(created.length, c.createsUpload ? 1 : 0, `${label}: uploads created`);
            await abortAll(server, bucket, created);
            await c.after?.(s);
            if (c.code === 2) exit2++;
          } finally {
            await Deno.remove(s.dir, { recursive: true });
          }
        });
      }
      assertEquals(await stores.listOpenUploads(server, bucket), []);
      report(
        `${server.name} bad input table: ${CASES.length} cases passed (${exit2} exit 2, ${
          CASES.length - exit2
        } exit 3/4), each with --json, unchanged files and no stray upload`,
      );
    } finally {
      await proxy.close();
    }
  });

  // moto stores such keys; MinIO refuses them (XMinioInvalidResourceName, ...ObjectName).
  if (server.name === "minio") {
    Deno.test({
      name: `${server.name}: keys the store itself refuses (../x, dir/) exit 2, no upload left`,
      fn: async () => {
        const bucket = await stores.createTestBucket(server);
        const s = await sandbox(server, bucket, "");
        try {
          for (const key of ["../x", "dir/"]) {
            const args = upload(s).map((a) => a === KEY ? key : a);
            const run = await runS3mpu([...args, "--json"], stores.serverEnv(server));
            assertEquals(run.code, 2, describeRun(run));
            assertMatch(
              errorLines(run.stderr)[0],
              /\(XMinioInvalid(Resource|Object)Name\); the key is not valid on this store; choose another with -k/,
            );
            assertEquals(JSON.parse(run.stdout).error.code, "invalid_request");
            assertEquals([...(await snapshotDir(s.dir)).keys()], ["source.bin"], key);
          }
          assertEquals(await stores.listOpenUploads(server, bucket), []);
        } finally {
          await Deno.remove(s.dir, { recursive: true });
        }
      },
    });
  }

  Deno.test(`${server.name}: a single chunk below the minimum part size is a valid one-part upload`, async () => {
    const bucket = await stores.createTestBucket(server);
    const s = await sandbox(server, bucket, "");
    try {
      const bytes = new Uint8Array(MiB);
      crypto.getRandomValues(bytes.subarray(0, 65536));
      await Deno.mkdir(`${s.dir}/chunks`);
      await Deno.writeFile(`${s.dir}/chunks/part_1`, bytes);
      const run = await runS3mpu(chunkUpload(s), stores.serverEnv(server));
      assertEquals(run.code, 0, describeRun(run));
      await stores.assertStoredWhole(server, bucket, KEY, bytes);
    } finally {
      await Deno.remove(s.dir, { recursive: true });
    }
  });

  Deno.test(`${server.name}: abort --forget clears the state of an upload whose bucket is gone`, async () => {
    const bucket = await stores.createTestBucket(server);
    const s = await sandbox(server, bucket, "");
    try {
      const gone = `${bucket}-gone`.slice(0, 63);
      await Deno.writeTextFile(
        s.meta,
        JSON.stringify({ ...JSON.parse(metaOf(s)), bucket: gone, provider: "generic" }),
      );
      await Deno.writeTextFile(s.parts, partLine("u-1"));
      const env = stores.serverEnv(server);
      const kept = await runS3mpu(["abort", "-m", s.meta, "-a", s.parts], env);
      assertEquals(kept.code, 2, describeRun(kept));
      assertMatch(errorLines(kept.stderr)[0], /does not exist \(NoSuchBucket\).*--forget/);
      assertOk(await Deno.stat(s.meta).then(() => true, () => false), "meta kept");
      const forgot = await runS3mpu(["abort", "-m", s.meta, "-a", s.parts, "--forget"], env);
      assertEquals(forgot.code, 0, describeRun(forgot));
      assertMatch(forgot.stdout, /no longer exists/);
      assertEquals(await Deno.stat(s.meta).then(() => true, () => false), false);
      assertEquals(await Deno.stat(s.parts).then(() => true, () => false), false);
    } finally {
      await Deno.remove(s.dir, { recursive: true });
    }
  });
}
