/**
 * Bad input, through the CLI: each case must exit with its code, print exactly one
 * `s3mpu: error: ` line naming the problem (no stack trace), and leave the state files as
 * they were: none created where there were none, byte-identical where there were some.
 * Cases that need a server run against MinIO and moto; a wrong region runs against a MinIO
 * started with a site region, since neither shared server checks the region.
 */
import { assertEquals, assertMatch } from "../backends/testing/assert.ts";
import { MiB, runS3mpu, seedUploadArgs } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import { snapshotDir } from "./support/reliability.ts";
import { describeRun, errorLines, report, stackLines } from "./support/run_output.ts";
import { minioAvailable, minioClient, startMinio } from "./support/tls.ts";

/** Where one case runs: a temp dir with a 6 MiB source.bin, maybe with state files. */
interface Sandbox {
  dir: string;
  file: string;
  bucket: string;
  /** A loopback port nothing listens on. */
  closedPort: number;
}

interface BadCase {
  name: string;
  /** Arguments after `s3mpu`; the default adds -b/-k/-f/-m/-a for the sandbox. */
  args: (s: Sandbox) => string[];
  code: number;
  /** What the error line must say. */
  error: RegExp;
  /** Also write state files of an interrupted upload first, which must stay byte-identical. */
  withState?: boolean;
  /** Runs against each server (the rest need none and run once). */
  network?: boolean;
  /** Extra setup in the sandbox. */
  setup?: (s: Sandbox) => Promise<void>;
}

const upload = (s: Sandbox, ...extra: string[]) =>
  seedUploadArgs({
    bucket: s.bucket,
    key: "bad/input.bin",
    file: s.file,
    meta: `${s.dir}/state.json`,
    parts: `${s.dir}/parts.jsonl`,
  }, ...extra);

const CASES: BadCase[] = [
  {
    name: "missing file",
    args: (s) => upload(s, "-f", `${s.dir}/nope.bin`),
    code: 2,
    error: /nope\.bin does not exist; check the path given with -f/,
  },
  {
    name: "a directory as -f",
    args: (s) => upload(s, "-f", s.dir),
    code: 2,
    error: /is a directory; upload a tree as s3mpu upload .* s3:\/\/BUCKET\/PREFIX\//,
  },
  {
    // The tests run as root, who can read a chmod 000 file; a path through a file (ENOTDIR)
    // is the unreadable source root can't open either.
    name: "unreadable file (a path through a file)",
    args: (s) => upload(s, "-f", `${s.file}/inner.bin`),
    code: 2,
    error: /Cannot access .*source\.bin\/inner\.bin: Not a directory/,
  },
  {
    name: "bad bucket name",
    args: (s) => upload(s, "-b", "Bad_Bucket"),
    code: 2,
    error: /Bucket name "Bad_Bucket" may hold only lowercase letters/,
  },
  { name: "empty key", args: (s) => upload(s, "-k", ""), code: 2, error: /The key is empty/ },
  {
    name: "key over 1,024 bytes",
    args: (s) => upload(s, "-k", "k".repeat(1025)),
    code: 2,
    error: /longer than S3's limit of 1,024 bytes/,
  },
  {
    name: "split size 0",
    args: (s) => upload(s, "-s", "0"),
    code: 2,
    error: /-s\/--split-size takes a part size within the store's part range .*; got "0"/,
  },
  {
    name: "negative split size",
    args: (s) => upload(s, "--split-size=-5"),
    code: 2,
    // A negative size gets the option's range, as any value out of range does.
    error: /-s\/--split-size takes a part size within the store's part range .*; got "-5"/,
  },
  {
    name: "non-numeric split size",
    args: (s) => upload(s, "-s", "lots"),
    code: 2,
    error: /-s\/--split-size takes a size in bytes.*got "lots"/,
  },
  {
    name: "split size below the minimum (the seed's 5000000)",
    args: (s) => upload(s, "-s", "5000000"),
    code: 2,
    error: /5000000.*(below|smaller|at least)/i,
  },
  {
    name: "split size above the maximum",
    args: (s) => upload(s, "-s", "6GiB"),
    code: 2,
    error: /(above|larger|at most).*5 ?GiB|5368709120/i,
  },
  {
    name: "too many parts (60 GiB sparse file in 5 MiB parts)",
    setup: async (s) => {
      using f = await Deno.open(`${s.dir}/huge.bin`, { write: true, create: true });
      await f.truncate(60 * 1024 * MiB);
    },
    args: (s) => upload(s, "-f", `${s.dir}/huge.bin`, "-s", "5MiB"),
    code: 2,
    error: /would make 12288 parts; the store allows 10000/,
  },
  {
    name: "thread count 0",
    args: (s) => upload(s, "-t", "0"),
    code: 2,
    error: /-t\/--thread-count takes a whole number from 1 to 64; got "0"/,
  },
  {
    name: "thread count 1000",
    args: (s) => upload(s, "-t", "1000"),
    code: 2,
    error: /-t\/--thread-count takes a whole number from 1 to 64; got "1000"/,
  },
  {
    name: "non-numeric thread count",
    args: (s) => upload(s, "-t", "many"),
    code: 2,
    error: /-t\/--thread-count takes a whole number.*got "many"/,
  },
  {
    name: "unknown flag",
    args: (s) => upload(s, "--frobnicate"),
    code: 2,
    error: /Unknown option --frobnicate; see s3mpu upload --help/,
  },
  {
    name: "missing -b",
    args: (s) => ["upload", "-k", "x", "-f", s.file],
    code: 2,
    error: /Missing -b\/--bucket/,
  },
  {
    name: "missing -k",
    args: (s) => ["upload", "-b", s.bucket, "-f", s.file],
    code: 2,
    error: /Missing -k\/--key/,
  },
  {
    name: "missing -f and -d",
    args: (s) => ["upload", "-b", s.bucket, "-k", "x"],
    code: 2,
    error: /Missing -f\/--file-path/,
  },
  {
    name: "-f and -d together",
    args: (s) => upload(s, "-d", s.dir, "-p", "chunk_"),
    code: 2,
    error: /either -f FILE or -d DIR with -p PREFIX, not both/,
  },
  {
    name: "-d without -p",
    args: (s) => ["upload", "-b", s.bucket, "-k", "x", "-d", s.dir],
    code: 2,
    error: /-d needs -p PREFIX/,
  },
  {
    name: "-d with no matching chunk files",
    args: (s) => ["upload", "-b", s.bucket, "-k", "x", "-d", s.dir, "-p", "chunk_"],
    code: 2,
    error: /No files in .* are named "chunk_" followed by a number/,
  },
  {
    name: "malformed endpoint URL",
    args: (s) => upload(s, "--endpoint-url", "http://[::1"),
    code: 2,
    error: /The endpoint "http:\/\/\[::1" is not a URL/,
  },
  {
    name: "endpoint with another scheme",
    args: (s) => upload(s, "--endpoint-url", "ftp://127.0.0.1:21"),
    code: 2,
    error: /must start with http:\/\/ or https:\/\//,
  },
  {
    name: "unknown provider",
    args: (s) => upload(s, "--provider", "acme"),
    code: 2,
    error: /acme.*check --provider/,
  },
  {
    name: "bad --ca-bundle path",
    args: (s) => upload(s, "--ca-bundle", `${s.dir}/no-ca.pem`),
    code: 2,
    error: /Cannot read the CA bundle .*no-ca\.pem/,
  },
  {
    name: "--ca-bundle that holds no certificate",
    args: (s) => upload(s, "--ca-bundle", s.file),
    code: 2,
    error: /The CA bundle .* holds no PEM certificate/,
  },
  {
    name: "bad --retries value",
    args: (s) => upload(s, "--retries", "often"),
    code: 2,
    error: /--retries takes a whole number from 1 to 100; got "often"/,
  },
  {
    name: "--retries 0",
    args: (s) => upload(s, "--retries", "0"),
    code: 2,
    error: /--retries takes a whole number from 1 to 100; got "0"/,
  },
  {
    name: "bad --request-timeout",
    args: (s) => upload(s, "--request-timeout", "soon"),
    code: 2,
    error: /--request-timeout takes a duration/,
  },
  {
    name: "unknown command",
    args: () => ["uplaod", "-b", "x"],
    code: 2,
    error: /Unknown command "uplaod" \(did you mean "upload"\?\); run s3mpu --help/,
  },
  {
    name: "state file in a directory that does not exist",
    args: (s) => upload(s, "-m", `${s.dir}/missing/state.json`),
    code: 2,
    error: /Cannot create the lock file .*missing\/state\.json\.lock/,
  },
  {
    name: "thread count changed with state files present still validated first",
    withState: true,
    args: (s) => upload(s, "-t", "0"),
    code: 2,
    error: /-t\/--thread-count takes a whole number/,
  },
  {
    name: "unknown flag with state files present",
    withState: true,
    args: (s) => upload(s, "--resume-from", "3"),
    code: 2,
    error: /Unknown option --resume-from/,
  },
  {
    // Nothing exists yet, so a refused port is a setup error (exit 2), not "resumable".
    name: "unreachable endpoint (closed loopback port), --retries 1",
    args: (s) => upload(s, "--endpoint-url", `http://127.0.0.1:${s.closedPort}`, "--retries", "1"),
    code: 2,
    error: /Nothing answered at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*Check --endpoint-url/,
  },
  {
    name: "nonexistent bucket",
    network: true,
    args: (s) => upload(s, "-b", `${s.bucket}-missing`),
    code: 2,
    error: /The bucket ".*-missing" does not exist \(NoSuchBucket\); create it or check -b/,
  },
];

async function sandbox(bucket: string): Promise<Sandbox> {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-bad-" });
  const file = `${dir}/source.bin`;
  await Deno.writeFile(file, new Uint8Array(6 * MiB).fill(7));
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return { dir, file, bucket, closedPort };
}

async function writeInterruptedState(s: Sandbox): Promise<void> {
  await Deno.writeTextFile(
    `${s.dir}/state.json`,
    JSON.stringify({ bucket: s.bucket, key: "bad/input.bin", uploadId: "u-1", splitSize: 5 * MiB }),
  );
  await Deno.writeTextFile(
    `${s.dir}/parts.jsonl`,
    `{"eTag":"0123456789abcdef0123456789abcdef","partNumber":1,"uploadId":"u-1"}\n`,
  );
}

async function check(c: BadCase, env: Record<string, string>, bucket: string, label: string) {
  const s = await sandbox(bucket);
  try {
    await c.setup?.(s);
    if (c.withState) await writeInterruptedState(s);
    const before = await snapshotDir(s.dir);
    const run = await runS3mpu(c.args(s), env);
    assertEquals(run.code, c.code, `${label}: ${describeRun(run)}`);
    const errors = errorLines(run.stderr);
    assertEquals(errors.length, 1, `${label}: one error line:\n${run.stderr}`);
    assertMatch(errors[0], c.error, label);
    assertEquals(stackLines(run.stderr + run.stdout), [], `${label}: no stack trace`);
    assertEquals(await snapshotDir(s.dir), before, `${label}: state files unchanged`);
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
}

const servers = stores.testServers();

Deno.test(`bad input: ${CASES.filter((c) => !c.network).length} cases without a server`, async (t) => {
  const env = stores.serverEnv(servers[0]);
  for (const c of CASES.filter((c) => !c.network)) {
    await t.step(c.name, () => check(c, env, "s3mpu-bad-input", c.name));
  }
  report(
    `bad input: ${CASES.length + 1} cases (${
      CASES.filter((c) => !c.network).length
    } without a server, a nonexistent bucket on each server, a wrong region on a MinIO with a site region)`,
  );
});

for (const server of servers) {
  Deno.test(`${server.name}: bad input that reaches the server`, async (t) => {
    const bucket = await stores.createTestBucket(server);
    const env = stores.serverEnv(server);
    for (const c of CASES.filter((c) => c.network)) {
      await t.step(c.name, () => check(c, env, bucket, `${server.name}: ${c.name}`));
    }
    assertEquals(await stores.listOpenUploads(server, bucket), []);
  });
}

Deno.test({
  name: "minio: wrong region (a MinIO with site region eu-west-1) exits 2 naming --region",
  ignore: !minioAvailable(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "s3mpu-region-" });
    const minio = await startMinio(dir, { env: { MINIO_SITE_REGION: "eu-west-1" } });
    try {
      const server = minio.server;
      const env = { ...stores.serverEnv(server), AWS_REGION: "eu-west-1" };
      // The bucket is made in the server's region; the upload then signs for another.
      const { CreateBucketCommand } = await import("@aws-sdk/client-s3");
      const client = minioClient(minio, "eu-west-1");
      await client.send(new CreateBucketCommand({ Bucket: "regional" }));
      client.destroy();
      await check(
        {
          name: "wrong region",
          args: (s) => upload(s, "--region", "us-east-1"),
          code: 2,
          error:
            /The store refused the region: .*expecting 'eu-west-1'.*Pass the bucket's region with --region/,
        },
        env,
        "regional",
        "wrong region",
      );
    } finally {
      await minio.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
