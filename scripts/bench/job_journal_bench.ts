/**
 * Figures for the tree job's journal (src/state/job_run.ts, docs/tree-state.md), on synthetic
 * jobs with paths like "dir0001/file000123.jpg" (1,000 files per directory):
 *
 * - journal bytes per file (a first run: every file found and done), beyond its path;
 * - append throughput with fsync and group commit at 1, 16 and 256 concurrent appenders;
 * - resume: a job killed with half its files done (walk complete); time to scan the journal
 *   and hand out the other half, re-statting each, and the process's peak RSS;
 * - generation switch: a finished job run again on the same tree with 1% of the files
 *   changed; time to walk and merge (writing the new generation) and the peak RSS.
 *
 * Done records are written 64 at a time, as 64 uploads in flight would: a first run's time is
 * mostly its fsyncs (one per group of about 64 objects done).
 *
 * Each measurement runs in its own process so its peak RSS (VmHWM) is its own (the synthetic
 * journals are written by a process of their own first).
 *
 *   deno run -A scripts/bench/job_journal_bench.ts [COUNTS=10000,100000,1000000] [--no-fsync]
 *
 * @module
 */
import { JobDir, type JobIdentity } from "../../src/state/job_dir.ts";
import { encodeRecord, type FileStat, type JobRecord } from "../../src/state/job_records.ts";
import { JobRun } from "../../src/state/job_run.ts";
import type { WalkEvent } from "../../src/state/job_walk.ts";
import { GroupWriter } from "../../src/state/group_writer.ts";
import { comparePaths } from "../../src/testing/job_fixture.ts";

const IDENTITY: JobIdentity = { source: "/bench/tree", bucket: "bench", prefix: "" };
const args = Deno.args.filter((a) => !a.startsWith("--"));
const fsync = !Deno.args.includes("--no-fsync");

// deno-lint-ignore no-explicit-any
async function child(phase: string, count: number, dir: string): Promise<any> {
  const args = ["run", "-A", new URL(import.meta.url).pathname, "child", phase, `${count}`, dir];
  if (!fsync) args.push("--no-fsync");
  const out = await new Deno.Command(Deno.execPath(), { args, stderr: "inherit" }).output();
  if (!out.success) throw new Error(`${phase} ${count} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
}

function pathOf(k: number): string {
  return `dir${String(Math.floor(k / 1000)).padStart(4, "0")}/file${
    String(k).padStart(6, "0")
  }.jpg`;
}

function statOf(k: number, changed = false): FileStat {
  const mtimeMs = 1_765_000_000_000 + k * 7 + (changed ? 1 : 0);
  return { size: 1000 + (k % 50_000), mtimeMs, ctimeMs: mtimeMs, ino: 40_000_000 + k };
}

/** A synthetic sorted walk of `count` files; every hundredth changed when `changed`. */
function walkOf(count: number, changed = false) {
  return (after: unknown) =>
    (async function* (): AsyncGenerator<WalkEvent> {
      const start = after === undefined ? 0 : Number(String(after).slice(-10, -4)) + 1;
      for (let k = start; k < count; k++) {
        yield { relPath: pathOf(k), cursor: pathOf(k), ...statOf(k, changed && k % 100 === 0) };
      }
    })();
}

function statFile(relPath: string): Promise<FileStat> {
  return Promise.resolve(statOf(Number(relPath.slice(-10, -4))));
}

/** Writes a generation journal of `count` files directly (no fsync): the synthetic state. */
async function writeJournal(path: string, count: number, recordsOf: (k: number) => JobRecord[]) {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let lines: string[] = [encodeRecord({ t: "h", v: 1, g: 1 })];
  for (let k = 0; k < count; k++) {
    for (const record of recordsOf(k)) lines.push(encodeRecord(record));
    if (lines.length >= 10_000 || k === count - 1) {
      const bytes = encoder.encode(lines.join("\n") + "\n");
      for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
      lines = [];
    }
  }
  await file.write(encoder.encode(encodeRecord({ t: "w", n: count }) + "\n"));
  file.close();
}

function fileRecord(k: number, changed = false): JobRecord {
  const s = statOf(k, changed);
  return { t: "f", i: k, p: pathOf(k), s: s.size, m: s.mtimeMs, c: s.ctimeMs, n: s.ino };
}

async function freshJob(root: string, name: string): Promise<string> {
  const stateDir = `${root}/${name}`;
  await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(stateDir);
  return stateDir;
}

const PHASES = {
  /** `count` appenders (the count argument) appending records until about 2 s have passed. */
  async append(concurrency: number, root: string) {
    const writer = await GroupWriter.open(`${root}/append.jsonl`, 0, { fsync });
    const line = encodeRecord({ t: "d", i: 123456, e: "d41d8cd98f00b204e9800998ecf8427e" });
    let records = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() - t0 < 2000) {
        await writer.append(line);
        records++;
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    const groups = writer.groups;
    await writer.close();
    await Deno.remove(`${root}/append.jsonl`);
    return { records, seconds, groups };
  },

  /** A first run: walk `count` files and mark each done, 64 at a time. */
  async first(count: number, root: string) {
    const stateDir = await freshJob(root, "first");
    const t0 = performance.now();
    const { dir, run } = await startRun(stateDir, count);
    await finishAll(run);
    await run.close();
    const bytes = (await Deno.stat(dir.journalPath(1))).size;
    await dir.release();
    let pathBytes = 0;
    for (let k = 0; k < count; k++) pathBytes += pathOf(k).length;
    return { seconds: (performance.now() - t0) / 1000, bytes, bytesBeyondPath: bytes - pathBytes };
  },

  /** The journal of a job killed with every even file done and 100 uploads open. */
  async prepareResume(count: number, root: string) {
    const stateDir = await freshJob(root, "resume");
    const prepared = await JobDir.open(stateDir, IDENTITY);
    await writeJournal(prepared.journalPath(1), count, (k) => {
      const records = [fileRecord(k)];
      if (k % 2 === 0) records.push({ t: "d", i: k, e: "d41d8cd98f00b204e9800998ecf8427e" });
      else if (k % Math.max(1, Math.floor(count / 100)) === 1) {
        records.push({ t: "u", i: k, u: `upload-${k}`, z: 8 << 20, a: "crc32", at: 1 });
        for (let n = 1; n <= 3; n++) records.push({ t: "p", i: k, n, e: `etag-${n}`, z: 8 << 20 });
      }
      return records;
    });
    await prepared.release();
    return {};
  },

  /** Resumes the job of prepareResume: hands out the files not done. */
  async resume(count: number, root: string) {
    const stateDir = `${root}/resume`;
    const t0 = performance.now();
    const { dir, run } = await startRun(stateDir, count);
    const startSeconds = (performance.now() - t0) / 1000;
    let handedOut = 0;
    for await (const _ of run.work()) handedOut++;
    await run.close();
    await dir.release();
    return { seconds: (performance.now() - t0) / 1000, startSeconds, handedOut };
  },

  /** The journal of a finished job. */
  async prepareSwitch(count: number, root: string) {
    const stateDir = await freshJob(root, "switch");
    const prepared = await JobDir.open(stateDir, IDENTITY);
    await writeJournal(prepared.journalPath(1), count, (k) => [fileRecord(k), {
      t: "d",
      i: k,
      e: "d41d8cd98f00b204e9800998ecf8427e",
    }]);
    await prepared.release();
    return {};
  },

  /** Runs the job of prepareSwitch again: walk and merge, 1% changed, the rest inherited. */
  async switch(count: number, root: string) {
    const stateDir = `${root}/switch`;
    const t0 = performance.now();
    const { dir, run } = await startRun(stateDir, count, true);
    const handedOut = await finishAll(run);
    await run.close();
    const { inherited } = run.summary;
    await dir.release();
    return { seconds: (performance.now() - t0) / 1000, handedOut, inherited };
  },
};

/** Opens the bench job in `stateDir` and starts a run over a synthetic walk of `count`. */
async function startRun(stateDir: string, count: number, changed = false) {
  const dir = await JobDir.open(stateDir, IDENTITY);
  const run = await JobRun.start(dir, {
    walk: walkOf(count, changed),
    compare: comparePaths,
    statFile,
    writer: { fsync },
  });
  return { dir, run };
}

/** Marks every file handed out done, 64 at a time (as uploads would); returns how many. */
async function finishAll(run: JobRun): Promise<number> {
  const inFlight = new Set<Promise<void>>();
  let count = 0;
  for await (const item of run.work()) {
    count++;
    const done: Promise<void> = item.object.finish({ eTag: "d41d8cd98f00b204e9800998ecf8427e" })
      .then(() => void inFlight.delete(done));
    inFlight.add(done);
    if (inFlight.size >= 64) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return count;
}

function peakRssMiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kib / 1024);
}

async function main(): Promise<void> {
  if (args[0] === "child") {
    const [, phase, count, dir] = args;
    const result = await PHASES[phase as keyof typeof PHASES](Number(count), dir);
    console.log(JSON.stringify({ ...result, peakRssMiB: peakRssMiB() }));
    return;
  }

  const counts = (args[0] ?? "10000,100000,1000000").split(",").map(Number);
  const work = await Deno.makeTempDir({ prefix: "job-journal-bench-" });
  try {
    console.log(`fsync ${fsync ? "on" : "off"}, ${navigator.hardwareConcurrency} cores`);
    for (const concurrency of [1, 16, 256]) {
      const r = await child("append", concurrency, work);
      console.log(
        `append, ${concurrency} appenders: ${r.records} records in ${r.seconds.toFixed(2)} s = ${
          Math.round(r.records / r.seconds)
        } records/s, ${r.groups} syncs (${(r.records / r.groups).toFixed(1)} records each)`,
      );
    }
    for (const count of counts) {
      const first = await child("first", count, work);
      console.log(
        `${count} files, first run: ${first.seconds.toFixed(1)} s, journal ${
          (first.bytes / 2 ** 20).toFixed(1)
        } MiB = ${(first.bytes / count).toFixed(0)} bytes per file, ${
          (first.bytesBeyondPath / count).toFixed(0)
        } beyond the path; peak RSS ${first.peakRssMiB} MiB`,
      );
      await child("prepareResume", count, work);
      const resume = await child("resume", count, work);
      console.log(
        `${count} files, resume (half done): ${resume.handedOut} handed out in ${
          resume.seconds.toFixed(1)
        } s (scan ${resume.startSeconds.toFixed(1)} s); peak RSS ${resume.peakRssMiB} MiB`,
      );
      await child("prepareSwitch", count, work);
      const next = await child("switch", count, work);
      console.log(
        `${count} files, next generation (1% changed): ${next.handedOut} handed out, ${next.inherited} inherited in ${
          next.seconds.toFixed(1)
        } s; peak RSS ${next.peakRssMiB} MiB`,
      );
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

await main();
