/**
 * A kill at every point of a run: the journal of a finished run cut at every record boundary
 * and in the middle of every record (a torn group write), then resumed. Whatever the cut, the
 * files proved stored before it are never handed out again, the resumed run covers every other
 * file, an open upload resumes with the parts journaled before the cut, and a run after that
 * has nothing left to do.
 */
import { assertEquals, assertOk } from "../../backends/testing/assert.ts";
import { FakeTree, runJob, TEST_IDENTITY, withRun } from "../testing/job_fixture.ts";
import { JobDir, jobIdOf } from "./job_dir.ts";
import { parseRecord } from "./job_records.ts";
import { isSettled } from "./file_status.ts";
import { fileRecords, scanGeneration } from "./job_scan.ts";

/** Byte offsets to cut at: every line end and the middle of every line. */
function cutPoints(bytes: Uint8Array): number[] {
  const points = [0];
  let start = 0;
  for (let at = 0; at < bytes.length; at++) {
    if (bytes[at] !== 10) continue;
    points.push(start + Math.floor((at - start) / 2), at + 1);
    start = at + 1;
  }
  return points;
}

/** What the complete lines of a cut journal say: done paths, journaled "part@upload"s. */
function prefixFacts(bytes: Uint8Array) {
  const text = new TextDecoder().decode(bytes);
  const lines = text.split("\n").slice(0, -1);
  const pathOf = new Map<number, string>();
  const done = new Set<string>();
  const uploadOf = new Map<number, string>();
  const parts = new Set<string>();
  for (const line of lines) {
    const r = parseRecord(line);
    if (!r) break;
    if (r.t === "f") {
      pathOf.set(r.i, r.p);
      if (r.st === "d") done.add(r.p);
    }
    if (r.t === "d") {
      assertOk(!done.has(pathOf.get(r.i)!), `${pathOf.get(r.i)} done twice before the cut`);
      done.add(pathOf.get(r.i)!);
    }
    // Carried upload records come just before their file's record: its id is the next one.
    if (r.t === "u") uploadOf.set(r.i, r.u);
    if (r.t === "p") parts.add(`${pathOf.get(r.i) ?? "next"}#${r.n}@${uploadOf.get(r.i)}`);
  }
  return { done, parts };
}

/** The newest generation's files and whether each is settled. */
async function finalState(jobDir: string): Promise<Map<string, boolean>> {
  const names = [];
  for await (const entry of Deno.readDir(jobDir)) {
    if (entry.name.startsWith("journal-")) names.push(entry.name);
  }
  assertEquals(names.length, 1, `one generation left, not ${names.join(", ")}`);
  const path = `${jobDir}/${names[0]}`;
  const scan = (await scanGeneration(path))!;
  const files = new Map<string, boolean>();
  for await (const batch of fileRecords(path, scan.validLength)) {
    for (const record of batch) {
      assertOk(!files.has(record.p), `${record.p} recorded twice in one generation`);
      files.set(record.p, isSettled(scan.status.get(record.i)));
    }
  }
  return files;
}

/** Resumes from a cut journal and checks every invariant; `untouched` are never uploaded. */
async function resumeAndCheck(
  tree: FakeTree,
  journals: { name: string; bytes: Uint8Array }[],
  untouched: Set<string>,
  label: string,
  toAbort: string[] = [],
): Promise<void> {
  const stateDir = await Deno.makeTempDir();
  try {
    const jobDir = `${stateDir}/jobs/${await jobIdOf(TEST_IDENTITY)}`;
    await (await JobDir.open(stateDir, TEST_IDENTITY)).release();
    for (const { name, bytes } of journals) await Deno.writeFile(`${jobDir}/${name}`, bytes);
    // Done: what the cut journal proved. Journaled parts: in any journal (a baseline's are
    // carried forward, never sent again).
    const before = prefixFacts(journals[journals.length - 1].bytes);
    const journaled = journals.map((j) => prefixFacts(j.bytes).parts);
    const resumed = await runJob(stateDir, tree);
    const handedOut = resumed.items.map((i) => i.relPath);
    for (const path of handedOut) {
      assertOk(
        !before.done.has(path),
        `${label}: ${path} was done before the cut, handed out again`,
      );
      assertOk(!untouched.has(path), `${label}: ${path} is unchanged and stored, handed out`);
    }
    assertEquals(new Set(handedOut).size, handedOut.length, `${label}: handed out twice`);
    for (const part of resumed.parts) {
      const numbered = part.replace(/^[^#]*/, "next");
      const again = journaled.some((p) => p.has(part) || p.has(numbered));
      assertOk(!again, `${label}: ${part} was journaled, sent again`);
    }
    // An upload given up is never forgotten before it is recorded as aborted.
    const abandoned = resumed.run.uploadsToAbort().map((a) => a.u);
    for (const uploadId of toAbort) assertOk(abandoned.includes(uploadId), `${label}: ${uploadId}`);
    const files = await finalState(jobDir);
    assertEquals([...files.keys()].sort(), [...tree.files.keys()].sort(), label);
    for (const [path, settled] of files) assertOk(settled, `${label}: ${path} not settled`);
    assertEquals((await runJob(stateDir, tree)).items.length, 0, `${label}: work left`);
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
}

Deno.test("a kill at any point of a first run: the resumed run finishes the job, nothing twice", async () => {
  const tree = FakeTree.of("a/1", "a/2:250", "a/3", "a-b", "b/1:320", "b/2", "c", "d:150", "e");
  const stateDir = await Deno.makeTempDir();
  try {
    const jobDir = `${stateDir}/jobs/${await jobIdOf(TEST_IDENTITY)}`;
    await runJob(stateDir, tree);
    const full = await Deno.readFile(`${jobDir}/journal-1.jsonl`);
    const points = cutPoints(full);
    assertOk(points.length > 60, `${points.length} cut points`);
    for (const point of points) {
      await resumeAndCheck(
        tree,
        [{ name: "journal-1.jsonl", bytes: full.subarray(0, point) }],
        new Set(),
        `cut at ${point}`,
      );
    }
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});

Deno.test("a kill at any point of a later generation's run, its baseline kept until the walk ends", async () => {
  const tree = FakeTree.of(
    "big:350",
    "bigchanged:250",
    "biggone:250",
    "changed",
    "deleted",
    "keep1",
    "keep2:250",
    "keep3",
  );
  const toAbort = ["up-bigchanged", "up-biggone"];
  const stateDir = await Deno.makeTempDir();
  try {
    const jobDir = `${stateDir}/jobs/${await jobIdOf(TEST_IDENTITY)}`;
    // Generation 1 ends with the big files failed after one part: "big"'s upload is carried
    // forward; the others' are given up when their files change or go.
    await withRun(stateDir, tree, async (run) => {
      for await (const item of run.work()) {
        if (!item.relPath.startsWith("big")) {
          await item.object.finish({ eTag: "e" });
          continue;
        }
        const uploadId = `up-${item.relPath}`;
        await item.object.writeMeta({ bucket: "b", key: item.key, uploadId, splitSize: 100 });
        await item.object.appendPart({ eTag: "e1", partNumber: 1, uploadId });
        await item.object.fail({ code: "network", exitCode: 3, message: "Connection reset." });
      }
    });
    const baseline = await Deno.readFile(`${jobDir}/journal-1.jsonl`);
    tree.change("changed", "ctimeMs");
    tree.change("bigchanged", "size");
    tree.files.delete("deleted");
    tree.files.delete("biggone");
    tree.add("new", 120);
    const second = await runJob(stateDir, tree);
    assertEquals(second.items.map((i) => i.relPath), ["big", "bigchanged", "changed", "new"]);
    assertEquals(second.parts.filter((p) => p.startsWith("big#")), [
      "big#2@up-big",
      "big#3@up-big",
      "big#4@up-big",
    ]);
    const full = await Deno.readFile(`${jobDir}/journal-2.jsonl`);
    const untouched = new Set(["keep1", "keep2", "keep3"]);
    assertOk(prefixFacts(baseline).parts.has("big#1@up-big"));
    for (const point of cutPoints(full)) {
      const cut = full.subarray(0, point);
      await resumeAndCheck(
        tree,
        [{ name: "journal-1.jsonl", bytes: baseline }, { name: "journal-2.jsonl", bytes: cut }],
        untouched,
        `generation 2 cut at ${point}`,
        toAbort,
      );
    }
    // Killed while the next generation's journal was being created: only its temp file exists.
    await resumeAndCheck(
      tree,
      [
        { name: "journal-1.jsonl", bytes: baseline },
        { name: ".journal-2.jsonl.1234abcd.tmp", bytes: full.subarray(0, 20) },
      ],
      untouched,
      "killed creating generation 2",
      toAbort,
    );
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});
