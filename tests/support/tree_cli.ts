/**
 * Helpers for directory-upload tests: run `s3mpu upload DIR s3://BUCKET/PREFIX/` with a state
 * dir of the test's own, read the job's journal, and check with the reference client that the
 * bucket holds exactly the tree's files under the prefix, byte for byte.
 *
 * @module
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { assertEquals } from "../../backends/testing/assert.ts";
import { type CliRun, runS3mpu, spawnS3mpu } from "./cli.ts";
import { objectSha256, referenceClient, sha256Hex, type TestServer } from "./servers.ts";

/** The arguments of a tree upload of `dir` to `s3://bucket/prefix` keeping state in `stateDir`. */
export function treeArgs(
  dir: string,
  bucket: string,
  prefix: string,
  stateDir: string,
  ...extra: string[]
): string[] {
  return ["upload", dir, `s3://${bucket}/${prefix}`, "--state-dir", stateDir, ...extra];
}

/** Runs a tree upload with `--json`; returns the run and its parsed JSON (if any). */
export async function uploadTreeJson(
  args: string[],
  env: Record<string, string>,
): Promise<{ run: CliRun; json: Record<string, unknown> }> {
  const run = await runS3mpu([...args, "--json"], env);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
  } catch {
    // left empty: the test's assertions on it name what was missing
  }
  return { run, json };
}

/** Every key under `prefix` in `bucket`, sorted by UTF-8 bytes (S3's order). */
export async function listKeys(server: TestServer, bucket: string, prefix = ""): Promise<string[]> {
  using client = referenceClient(server);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) keys.push(object.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

/**
 * Asserts the bucket holds exactly `files` (relative path → bytes) under `prefix`: the same
 * keys, and each object's SHA-256 that of its bytes (downloaded with the reference client).
 */
export async function assertTreeStored(
  server: TestServer,
  bucket: string,
  prefix: string,
  files: Record<string, Uint8Array>,
): Promise<void> {
  const want = Object.keys(files).map((p) => prefix + p).sort();
  assertEquals(await listKeys(server, bucket, prefix), want, "the keys under the prefix");
  for (const [relPath, bytes] of Object.entries(files)) {
    assertEquals(
      await objectSha256(server, bucket, prefix + relPath),
      sha256Hex(bytes),
      `bytes of ${prefix + relPath}`,
    );
  }
}

/** The text of the newest journal under `stateDir` ("" while there is none). */
export async function journalText(stateDir: string): Promise<string> {
  const jobs = `${stateDir}/jobs`;
  let newest = "";
  let generation = -1;
  const jobDirs = await Array.fromAsync(Deno.readDir(jobs)).catch(() => []);
  for (const job of jobDirs) {
    const entries = await Array.fromAsync(Deno.readDir(`${jobs}/${job.name}`)).catch(() => []);
    for (const entry of entries) {
      const g = Number(/^journal-(\d+)\.jsonl$/.exec(entry.name)?.[1] ?? -1);
      if (g > generation) {
        generation = g;
        newest = `${jobs}/${job.name}/${entry.name}`;
      }
    }
  }
  return newest ? await Deno.readTextFile(newest).catch(() => "") : "";
}

/** The journal's records (whole lines only). */
export function records(text: string): Array<Record<string, unknown>> {
  const lines = text.split("\n");
  lines.pop(); // the unterminated tail, if any
  return lines.filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/** The paths the journal records as stored ("d" records joined to their "f" records). */
export function donePaths(text: string): Set<string> {
  const paths = new Map<number, string>();
  const done = new Set<string>();
  for (const r of records(text)) {
    if (r.t === "f") paths.set(r.i as number, r.p as string);
    if (r.t === "d") done.add(paths.get(r.i as number)!);
  }
  return done;
}

/**
 * Starts a tree upload and kills it with SIGKILL once `ready(journal)` holds; returns the run
 * and the journal's text at the kill (everything in it was written before the kill).
 */
export async function killTreeWhen(
  args: string[],
  env: Record<string, string>,
  stateDir: string,
  ready: (journal: string) => boolean,
  timeoutMs = 60_000,
): Promise<{ run: CliRun; journal: string }> {
  const child = spawnS3mpu(args, env);
  const deadline = Date.now() + timeoutMs;
  try {
    while (!ready(await journalText(stateDir))) {
      if (Date.now() > deadline) throw new Error("the journal never got to the kill point");
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // it ended on its own
    }
  }
  const output = await child.output();
  const run = {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
  return { run, journal: await journalText(stateDir) };
}
