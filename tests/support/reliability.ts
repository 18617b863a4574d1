/**
 * Shared helpers of the reliability tests (tests/reliability_*_test.ts, chaos, security,
 * bad input): a source file with its state paths, upload arguments, what the server holds
 * for an upload, the journal beside it, and fault proxy rules. What a run printed is read
 * with tests/support/run_output.ts.
 *
 * @module
 */
import { ListPartsCommand } from "@aws-sdk/client-s3";
import { readJournal } from "../../src/state/parts_journal.ts";
import { readMeta, type UploadMeta } from "../../src/state/meta_file.ts";
import { type CliRun, MiB, randomFile, runS3mpu, seedUploadArgs } from "./cli.ts";
import { assertEquals } from "../../backends/testing/assert.ts";
import {
  assertStoredWhole,
  createTestBucket,
  objectSha256,
  referenceClient,
  serverEnv,
  sha256Hex,
  type TestServer,
} from "./servers.ts";
import { describeRun, report } from "./run_output.ts";

import {
  type FaultAction,
  type FaultProxy,
  type FaultRule,
  startFaultProxy,
} from "./fault_proxy.ts";
export { seededRandom } from "./fault_proxy.ts";

/** A source file with its state files in the same temp dir. */
export interface UploadFixture {
  dir: string;
  path: string;
  bytes: Uint8Array;
  meta: string;
  parts: string;
  cleanup(): Promise<void>;
}

/**
 * Runs the upload of `f` to `bucket/key` (with `extra` arguments, in `env`): it must exit 0
 * and leave exactly the file's bytes at the key on `server`, no upload open. The run.
 */
export async function uploadsWhole(
  server: TestServer,
  target: { f: UploadFixture; bucket: string; key: string },
  extra: string[],
  env: Record<string, string>,
): Promise<CliRun> {
  const { f, bucket, key } = target;
  const run = await runS3mpu(uploadArgs(f, bucket, key, extra), env);
  assertEquals(run.code, 0, describeRun(run));
  await assertStoredWhole(server, bucket, key, f.bytes);
  return run;
}

/** The SHA-256 (hex) of `bucket/key` on `server`, or undefined when there is no object. */
export async function objectOrUndefined(
  server: TestServer,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  return await objectSha256(server, bucket, key).catch(() => undefined);
}

/**
 * Reports one case: its exit code and what the key holds (first 12 hex of its SHA-256)
 * against `at.file`, as `<server> <topic>: <what>: exit N, object H (= file F)`.
 */
export async function reportStored(
  server: TestServer,
  topic: string,
  what: string,
  code: number,
  at: { bucket: string; key: string; file: Uint8Array },
): Promise<void> {
  const stored = await objectOrUndefined(server, at.bucket, at.key);
  const file = sha256Hex(at.file);
  const verdict = stored === undefined ? "no object" : stored === file ? "= file" : "≠ file";
  report(
    `${server.name} ${topic}: ${what}: exit ${code}, object ${
      stored?.slice(0, 12) ?? "none"
    } (${verdict} ${file.slice(0, 12)})`,
  );
}

/** What {@link proxyTest} gives each test. */
export interface ProxyTestSetup {
  /** A new bucket on the server. */
  bucket: string;
  /** A random source file, its state paths beside it. */
  f: UploadFixture;
  /** A fault proxy in front of the server, with no rules yet (set them with `setRules`). */
  proxy: FaultProxy;
}

/**
 * `Deno.test` named `<server>: <name>` that gets a new bucket, a source file of `size` random
 * bytes and a fault proxy in front of `server`; the proxy is closed and the file removed
 * afterwards, whatever the outcome.
 */
export function proxyTest(
  server: TestServer,
  name: string,
  size: number,
  body: (setup: ProxyTestSetup) => Promise<void>,
  options: { ignore?: boolean } = {},
): void {
  Deno.test({ name: `${server.name}: ${name}`, ignore: options.ignore }, async () => {
    const bucket = await createTestBucket(server);
    const f = await fixture(size);
    const proxy = await startFaultProxy({ target: server.endpoint });
    try {
      await body({ bucket, f, proxy });
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });
}

/** A random source file of `size` bytes and state file paths beside it. */
export async function fixture(size: number): Promise<UploadFixture> {
  const file = await randomFile(size);
  return {
    ...file,
    meta: `${file.dir}/state.json`,
    parts: `${file.dir}/parts.jsonl`,
    cleanup: () => Deno.remove(file.dir, { recursive: true }).catch(() => {}),
  };
}

/** `upload -b bucket -k key -f file -m meta -a parts -s 5MiB` plus `extra`. */
export function uploadArgs(
  f: UploadFixture,
  bucket: string,
  key: string,
  extra: string[] = [],
): string[] {
  return seedUploadArgs(
    { bucket, key, file: f.path, meta: f.meta, parts: f.parts },
    "-s",
    "5MiB",
    ...extra,
  );
}

/** The parts the server holds for an upload, by number → ETag (without quotes). */
export async function serverParts(
  server: TestServer,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<Map<number, string>> {
  using client = referenceClient(server);
  const parts = new Map<number, string>();
  let marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await client.send(
      new ListPartsCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        ...(marker ? { PartNumberMarker: marker } : {}),
      }),
    );
    for (const p of out.Parts ?? []) parts.set(p.PartNumber!, p.ETag!.replaceAll('"', ""));
    if (!out.IsTruncated || !out.NextPartNumberMarker) break;
    marker = out.NextPartNumberMarker;
  }
  return parts;
}

/** The meta file and the journal's parts for its upload id (undefined without a meta file). */
export async function stateOf(
  f: UploadFixture,
): Promise<{ meta: UploadMeta; journal: Map<number, string> } | undefined> {
  const meta = await readMeta(f.meta);
  if (!meta) return undefined;
  const journal = await readJournal(f.parts, meta.uploadId);
  return {
    meta,
    journal: new Map([...journal.parts].map(([n, e]) => [n, e.eTag])),
  };
}

/**
 * Journal parts the server lacks or holds with another ETag: must be empty after any stop,
 * since a part is journaled only after the server confirmed it.
 */
export function journalClaimsMissing(
  journal: Map<number, string>,
  server: Map<number, string>,
): number[] {
  return [...journal].filter(([n, eTag]) => server.get(n) !== eTag).map(([n]) => n);
}

/**
 * Every file in `dir` with a hash of its bytes (size and mtime for big ones, such as sparse
 * sources), to prove a run changed nothing.
 */
export async function snapshotDir(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    const path = `${dir}/${entry.name}`;
    const info = await Deno.stat(path);
    files.set(
      entry.name,
      info.size > 64 * MiB
        ? `${info.size} bytes, mtime ${info.mtime?.getTime()}`
        : await sha256(await Deno.readFile(path)),
    );
  }
  return files;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Fault proxy rules: every UploadPart from the `nth` on gets `action`, so the run cannot finish. */
export function partsFailFrom(nth: number, action: FaultAction): FaultRule[] {
  return [{ match: { operation: "UploadPart" }, nth, times: 1000, action }];
}

/** Fault proxy rules: every `operation` is answered with HTTP `status` (and S3 error `code`). */
export function answer(
  operation: FaultRule["match"]["operation"],
  status: number,
  code?: string,
): FaultRule[] {
  return [{ match: { operation }, action: { kind: "status", status, ...(code ? { code } : {}) } }];
}

/** A finished upload seen through a capturing proxy: what went on the wire. */
export interface CapturedUpload {
  run: CliRun;
  bucket: string;
  /** The bytes uploaded (an 11 MiB random file: three parts of 5 MiB). */
  bytes: Uint8Array;
  captured: FaultProxy["captured"];
}

/**
 * Uploads an 11 MiB random file to a new bucket of `server` through a fault proxy that
 * captures every request; `args(bucket, file)` gives the command line (--endpoint-url of the
 * proxy is added).
 */
export async function uploadCaptured(
  server: TestServer,
  args: (bucket: string, file: string) => string[],
): Promise<CapturedUpload> {
  const bucket = await createTestBucket(server);
  const file = await randomFile(11 * MiB);
  const proxy = await startFaultProxy({ target: server.endpoint, capture: true });
  try {
    const run = await runS3mpu(
      [...args(bucket, file.path), "--endpoint-url", proxy.url],
      serverEnv(server),
    );
    return { run, bucket, bytes: file.bytes, captured: proxy.captured };
  } finally {
    await proxy.close();
    await file.cleanup();
  }
}
