import { assertEquals, assertOk, assertRejects } from "../../backends/testing/assert.ts";
import { FakeTree, runJob, TEST_IDENTITY, withRun } from "../testing/job_fixture.ts";
import { jobIdOf } from "./job_dir.ts";
import { parseRecord } from "./job_records.ts";

async function withStateDir(fn: (stateDir: string, jobDir: string) => Promise<void>) {
  const stateDir = await Deno.makeTempDir();
  try {
    await fn(stateDir, `${stateDir}/jobs/${await jobIdOf(TEST_IDENTITY)}`);
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
}

async function journalNames(jobDir: string): Promise<string[]> {
  const names = [];
  for await (const entry of Deno.readDir(jobDir)) {
    if (entry.name.startsWith("journal-")) names.push(entry.name);
  }
  return names.sort();
}

async function records(path: string) {
  return (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) => parseRecord(l)!);
}

const paths = (items: { relPath: string }[]) => items.map((i) => i.relPath);

Deno.test("a first run hands out every file in walk order; a re-run of an unchanged tree none", async () => {
  await withStateDir(async (stateDir, jobDir) => {
    const tree = FakeTree.of("a-b", "a/b", "a/c:250", "z");
    const first = await runJob(stateDir, tree);
    assertEquals(paths(first.items), ["a/b", "a/c", "a-b", "z"]);
    assertEquals(first.items.map((i) => i.reason), ["new", "new", "new", "new"]);
    assertEquals(first.items.map((i) => i.key), ["p/a/b", "p/a/c", "p/a-b", "p/z"]);
    assertEquals(first.parts.length, 3);
    const again = await runJob(stateDir, tree);
    assertEquals(paths(again.items), []);
    assertEquals(again.run.summary.inherited, 4);
    // The new generation replaced the old one once its walk was durable.
    assertEquals(await journalNames(jobDir), ["journal-2.jsonl"]);
    const inherited = (await records(`${jobDir}/journal-2.jsonl`)).filter((r) => r.t === "f");
    assertEquals(inherited.map((r) => r.t === "f" && r.st), ["d", "d", "d", "d"]);
  });
});

Deno.test("a new generation hands out new and changed files only; force hands out all", async () => {
  await withStateDir(async (stateDir) => {
    const tree = FakeTree.of("keep", "size", "mtime", "ctime", "inode", "gone");
    await runJob(stateDir, tree);
    tree.add("new");
    tree.change("size", "size");
    tree.change("mtime", "mtimeMs");
    tree.change("ctime", "ctimeMs");
    tree.change("inode", "ino");
    tree.files.delete("gone");
    const second = await runJob(stateDir, tree);
    assertEquals(paths(second.items), ["ctime", "inode", "mtime", "new", "size"]);
    assertEquals(
      second.items.map((i) => i.reason),
      ["changed", "changed", "changed", "new", "changed"],
    );
    const forced = await runJob(stateDir, tree, { force: true });
    assertEquals(paths(forced.items), ["ctime", "inode", "keep", "mtime", "new", "size"]);
    assertEquals(paths((await runJob(stateDir, tree)).items), []);
  });
});

Deno.test("a run that ended with failures: the next run walks again and retries them", async () => {
  await withStateDir(async (stateDir) => {
    const tree = FakeTree.of("a", "b", "c");
    const first = await runJob(stateDir, tree, { fail: (item) => item.relPath === "b" });
    assertEquals(first.done, ["a", "c"]);
    tree.add("d");
    const second = await runJob(stateDir, tree);
    assertEquals(paths(second.items), ["b", "d"]);
    assertEquals(second.items.map((i) => i.reason), ["unfinished", "new"]);
    assertEquals(tree.walks, 2);
  });
});

Deno.test("a run stopped during uploads: the next run finishes them without walking", async () => {
  await withStateDir(async (stateDir, jobDir) => {
    const tree = FakeTree.of("a", "b:350", "c");
    // Finish "a", send two parts of "b", then stop (as an interrupt would).
    await withRun(stateDir, tree, async (run) => {
      for await (const item of run.work()) {
        if (item.relPath === "a") await item.object.finish({ eTag: "ea" });
        if (item.relPath === "b") {
          const meta = { bucket: "b", key: item.key, uploadId: "up-b", splitSize: 100 };
          await item.object.writeMeta(meta);
          await item.object.appendParts([
            { eTag: "e1", partNumber: 1, uploadId: "up-b" },
            { eTag: "e2", partNumber: 2, uploadId: "up-b" },
          ]);
        }
      }
    });
    tree.add("b2");
    const second = await runJob(stateDir, tree);
    // No walk: "b2", added since, waits for the next run.
    assertEquals(tree.walks, 1);
    assertEquals(paths(second.items), ["b", "c"]);
    assertEquals(second.items.map((i) => i.reason), ["unfinished", "unfinished"]);
    assertEquals(second.parts, ["b#3@up-b", "b#4@up-b"]);
    assertEquals(paths((await runJob(stateDir, tree)).items), ["b2"]);
    assertEquals(await journalNames(jobDir), ["journal-2.jsonl"]);
  });
});

Deno.test("resume re-stats unsettled files: a gone one is skipped, a changed one starts over", async () => {
  await withStateDir(async (stateDir, jobDir) => {
    const tree = FakeTree.of("gone:250", "changed:250", "same:250");
    await withRun(stateDir, tree, async (run) => {
      for await (const item of run.work()) {
        const uploadId = `up-${item.relPath}`;
        await item.object.writeMeta({ bucket: "b", key: item.key, uploadId, splitSize: 100 });
        await item.object.appendPart({ eTag: "e1", partNumber: 1, uploadId });
      }
    });
    tree.files.delete("gone");
    tree.change("changed", "mtimeMs");
    const second = await runJob(stateDir, tree);
    assertEquals(paths(second.items), ["changed", "same"]);
    assertEquals(second.items.map((i) => i.reason), ["changed", "unfinished"]);
    // The changed file's upload is given up (to abort) and a new one sends every part.
    assertEquals(second.parts.filter((p) => p.startsWith("changed")).length, 3);
    assertEquals(second.parts.filter((p) => p.startsWith("same")), [
      "same#2@up-same",
      "same#3@up-same",
    ]);
    const abandoned = second.run.uploadsToAbort().map((a) => [a.p, a.u]).sort();
    assertEquals(abandoned, [["changed", "up-changed"], ["gone", "up-gone"]]);
    // Abandoned uploads are carried into the next generation until recorded as aborted.
    await withRun(stateDir, tree, async (next) => {
      // The file that changed while unsettled is compared with its stat at discovery, so the
      // next generation sends it once more (the price of keeping no stat per file in memory).
      const resent = [];
      for await (const item of next.work()) {
        resent.push(item.relPath);
        await item.object.finish();
      }
      assertEquals(resent, ["changed"]);
      assertEquals(next.uploadsToAbort().length, 2);
      await next.recordAborted("up-gone");
      assertEquals(next.uploadsToAbort().map((a) => a.u), ["up-changed"]);
    });
    const kept = (await records(`${jobDir}/journal-2.jsonl`)).filter((r) => r.t === "a");
    assertEquals(kept.length, 2);
  });
});

Deno.test("a walk out of the comparator's order is refused", async () => {
  await withStateDir(async (stateDir) => {
    const tree = FakeTree.of("a", "b");
    const walk = () =>
      (async function* () {
        yield { relPath: "b", cursor: "b", ...tree.files.get("b")! };
        yield { relPath: "a", cursor: "a", ...tree.files.get("a")! };
      })();
    await assertRejects(
      () => runJob(stateDir, tree, { walk }),
      Error,
      /out of order: a came after b/,
    );
  });
});

Deno.test("the walk's passed entries and list cursors are journaled; a torn last line is ignored", async () => {
  await withStateDir(async (stateDir, jobDir) => {
    const tree = FakeTree.of("a", "b");
    let started: unknown = "never";
    const walk = (after: unknown) => {
      started = after;
      return (async function* () {
        if (after === undefined) {
          yield { relPath: "a", cursor: 1, ...tree.files.get("a")! };
          for (let k = 0; k < 256; k++) yield { passed: true as const, cursor: 2 + k };
        }
        yield { relPath: "b", cursor: 300, ...tree.files.get("b")! };
      })();
    };
    await withRun(stateDir, tree, async (run) => {
      for await (const item of run.work()) {
        if (item.relPath === "b") break; // killed before "b" is journaled for sure
      }
    }, { walk });
    const path = `${jobDir}/journal-1.jsonl`;
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    assertEquals(lines.slice(1).map((l) => parseRecord(l)), [
      { t: "f", i: 0, p: "a", s: 10, m: 1000, c: 1000, n: 1000, k: 1 },
      { t: "k", k: 257 },
      { t: "f", i: 1, p: "b", s: 10, m: 1000, c: 1000, n: 1001, k: 300 },
    ]);
    // Tear the last line: the walk resumes after the cursor record, "b" found again.
    const text = lines.join("\n");
    await Deno.writeTextFile(path, text.slice(0, text.length - 7));
    const resumed = await runJob(stateDir, tree, { walk });
    assertEquals(started, 257);
    assertEquals(paths(resumed.items), ["a", "b"]);
    assertOk(resumed.items[1].id === 1);
  });
});

Deno.test("on real files, resume lstats each unsettled file under the source directory", async () => {
  const source = await Deno.makeTempDir();
  try {
    for (const name of ["gone", "grown", "same"]) {
      await Deno.writeTextFile(`${source}/${name}`, "x");
    }
    /** A flat walk of the real directory, in name order. */
    const walk = () =>
      (async function* () {
        const names = [];
        for await (const entry of Deno.readDir(source)) names.push(entry.name);
        for (const name of names.sort()) {
          const info = await Deno.lstat(`${source}/${name}`);
          yield {
            relPath: name,
            cursor: name,
            size: info.size,
            mtimeMs: info.mtime!.getTime(),
            ctimeMs: info.ctime!.getTime(),
            ino: info.ino!,
          };
        }
      })();
    await withStateDir(async (stateDir) => {
      // The default stat: lstat under the identity's source directory.
      const options = { identity: { ...TEST_IDENTITY, source }, walk, statFile: undefined };
      await withRun(stateDir, new FakeTree(), async (run) => {
        for await (const _ of run.work()) { /* killed before any upload */ }
      }, options);
      await Deno.remove(`${source}/gone`);
      await Deno.writeTextFile(`${source}/grown`, "more");
      const seen = await withRun(stateDir, new FakeTree(), async (run) => {
        const seen = [];
        for await (const item of run.work()) {
          seen.push([item.relPath, item.reason, item.stat.size]);
          await item.object.finish();
        }
        return seen;
      }, options);
      assertEquals(seen, [["grown", "changed", 4], ["same", "unfinished", 1]]);
    });
  } finally {
    await Deno.remove(source, { recursive: true });
  }
});

Deno.test("force on an interrupted job: every file again, the old open uploads to abort", async () => {
  await withStateDir(async (stateDir, jobDir) => {
    const tree = FakeTree.of("a", "b:250", "c");
    await withRun(stateDir, tree, async (run) => {
      for await (const item of run.work()) {
        if (item.relPath === "a") await item.object.finish();
        const meta = { bucket: "b", key: item.key, uploadId: "up-b", splitSize: 100 };
        if (item.relPath === "b") await item.object.writeMeta(meta);
      }
    });
    const forced = await runJob(stateDir, tree, { force: true });
    assertEquals(paths(forced.items), ["a", "b", "c"]);
    assertEquals(forced.items.map((i) => i.reason), ["new", "new", "new"]);
    assertEquals(forced.run.uploadsToAbort().map((a) => [a.p, a.u]), [["b", "up-b"]]);
    assertEquals(await journalNames(jobDir), ["journal-2.jsonl"]);
  });
});
