import { assertEquals, assertRejects } from "../../backends/testing/assert.ts";
import { FakeTree, TEST_IDENTITY, withRun } from "../testing/job_fixture.ts";
import { JobDir } from "./job_dir.ts";
import type { WorkItem } from "./job_run.ts";
import type { UploadMeta } from "./meta_file.ts";
import type { JournalEntry } from "./parts_journal.ts";
import { parseRecord } from "./job_records.ts";

/** Runs the job once, handing each work item to `use`. */
function eachItem(stateDir: string, tree: FakeTree, use: (item: WorkItem) => Promise<void>) {
  return withRun(stateDir, tree, async (run) => {
    for await (const item of run.work()) await use(item);
  });
}

/** A meta as the engine writes it after CreateMultipartUpload (see upload_engine.ts). */
const META: UploadMeta = {
  bucket: "b",
  key: "p/big.bin",
  uploadId: "OQBrK98WoGKAzzd1NxXyimERi2gJR",
  splitSize: 8388608,
  source: { kind: "file", path: "/data/tree/big.bin", size: 25165824, mtimeMs: 1000, ino: 7 },
  partCount: 3,
  checksumAlgorithm: "crc32",
  checksumType: "FULL_OBJECT",
  provider: "minio",
  endpoint: "http://127.0.0.1:9000",
  objectOptions: { contentType: "application/octet-stream", contentTypeGuessed: true },
  createdAt: "2026-12-07T10:00:00.123Z",
};

const PARTS: JournalEntry[] = [1, 2].map((n) => ({
  eTag: `5ca0dc854f8e8b356b0049144ed6305${n}`,
  partNumber: n,
  uploadId: META.uploadId,
  size: 8388608,
  offset: (n - 1) * 8388608,
  checksum: "gQ+a5Q==",
  at: "2026-12-07T10:00:01.000Z",
  // A key the parts file may gain later reads back too.
  crc32: "AAAAAA==",
}));

Deno.test("the object view reads back the meta and parts the engine wrote, after a kill", async () => {
  const stateDir = await Deno.makeTempDir();
  try {
    const tree = FakeTree.of("big.bin:300", "small");
    await eachItem(stateDir, tree, async (item) => {
      if (item.relPath !== "big.bin") return;
      assertEquals(item.object.readMeta(), undefined);
      await assertRejects(() => item.object.appendPart(PARTS[0]), Error, /write the meta first/);
      await item.object.writeMeta(META);
      await item.object.appendPart(PARTS[0]);
      await item.object.appendParts([PARTS[1]]);
      // The engine writes the meta again on resume; the same meta writes nothing.
      await item.object.writeMeta(META);
    });
    await eachItem(stateDir, tree, async (item) => {
      if (item.relPath !== "big.bin") return;
      assertEquals(item.object.readMeta(), META);
      assertEquals([...item.object.readParts(META.uploadId).values()], PARTS);
      assertEquals(item.object.readParts("another-upload").size, 0);
      const completing = { ...META, completing: { startedAt: "2026-12-07T10:05:00.000Z" } };
      await item.object.writeMeta(completing);
    });
    let seen = 0;
    await eachItem(stateDir, tree, async (item) => {
      if (item.relPath === "big.bin") {
        seen++;
        assertEquals(item.object.readMeta()?.completing, { startedAt: "2026-12-07T10:05:00.000Z" });
        await item.object.finish({ eTag: "etag-3", proof: "full-object-crc32" });
      } else {
        await item.object.fail({ code: "network", exitCode: 3, message: "Reset\n  by peer." });
      }
    });
    assertEquals(seen, 1);
    const jobDir = await JobDir.open(stateDir, TEST_IDENTITY);
    const text = await Deno.readTextFile(jobDir.journalPath(1));
    await jobDir.release();
    const records = text.trimEnd().split("\n").map((l) => parseRecord(l));
    assertEquals(records.filter((r) => r?.t === "u").length, 1);
    assertEquals(records.filter((r) => r?.t === "c").length, 1);
    assertEquals(records.find((r) => r?.t === "e"), {
      t: "e",
      i: 1,
      code: "network",
      x: 3,
      msg: "Reset by peer.",
    });
    assertEquals(records.find((r) => r?.t === "d"), {
      t: "d",
      i: 0,
      e: "etag-3",
      pf: "full-object-crc32",
    });
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});

Deno.test("an object gets one outcome per run; a skip gives up its open upload", async () => {
  const stateDir = await Deno.makeTempDir();
  try {
    const tree = FakeTree.of("a:300");
    await eachItem(stateDir, tree, async (item) => {
      await item.object.writeMeta({ ...META, key: item.key });
    });
    await withRun(stateDir, tree, async (run) => {
      let skipped = 0;
      for await (const item of run.work()) {
        await item.object.skip("exists");
        skipped++;
        await assertRejects(() => item.object.finish(), Error, /already has an outcome/);
      }
      assertEquals(skipped, 1);
      assertEquals(run.uploadsToAbort().map((a) => [a.p, a.u]), [["a", META.uploadId]]);
    });
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});
