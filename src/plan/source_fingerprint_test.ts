/**
 * The fingerprint comparison: each field is compared where both sides have it, the inode
 * and the change time only at the same path, the device only within a run; and an earlier
 * version's record is completed from the source as it is now.
 */
import { assertEquals, assertMatch } from "../../backends/testing/assert.ts";
import {
  fileChanges,
  recordMissing,
  sourceChanges,
  type SourceFingerprint,
} from "./source_fingerprint.ts";

const T = Date.parse("2026-12-01T10:00:00Z");
const FILE: SourceFingerprint = {
  kind: "file",
  path: "/data/f.bin",
  size: 100,
  mtimeMs: T + 123,
  ino: 7,
  dev: 2049,
  ctimeMs: T + 1000,
};
const acrossRuns = { sameRun: false };
const inRun = { sameRun: true };

Deno.test("sourceChanges: an unchanged file has no changes, within a run or across runs", () => {
  assertEquals(sourceChanges(FILE, { ...FILE }, inRun), []);
  assertEquals(sourceChanges(FILE, { ...FILE }, acrossRuns), []);
});

Deno.test("sourceChanges: a moved change time (an edit whose mtime was put back) is a change", () => {
  const changes = sourceChanges(FILE, { ...FILE, ctimeMs: T + 5000 }, acrossRuns);
  assertEquals(changes.length, 1);
  assertMatch(
    changes[0],
    /^its change time moved 2026-12-01T10:00:01\.000Z → 2026-12-01T10:00:05\.000Z: written, renamed, or its permissions or links changed$/,
  );
});

Deno.test("sourceChanges: a change time is compared at the second when one side is whole seconds", () => {
  // Deno 2.9 stamps whole seconds; a finer later stamp of the same second is the same time.
  assertEquals(sourceChanges(FILE, { ...FILE, ctimeMs: T + 1456 }, acrossRuns), []);
  assertEquals(sourceChanges(FILE, { ...FILE, ctimeMs: T + 2000 }, acrossRuns).length, 1);
  const fine = { ...FILE, ctimeMs: T + 1456 };
  assertEquals(sourceChanges(fine, { ...fine, ctimeMs: T + 1457 }, acrossRuns).length, 1);
});

Deno.test("sourceChanges: a record without a change time (an earlier version's) compares the rest", () => {
  const { ctimeMs: _, ...old } = FILE;
  assertEquals(sourceChanges(old, { ...FILE, ctimeMs: T + 9000 }, acrossRuns), []);
  assertMatch(sourceChanges(old, { ...FILE, mtimeMs: T }, acrossRuns)[0], /^modified /);
});

Deno.test("sourceChanges: another inode at the same path is another file; at another path, a move", () => {
  const swapped = sourceChanges(FILE, { ...FILE, ino: 8 }, acrossRuns);
  assertEquals(swapped, ["now another file, inode 7 → 8: replaced, renamed over or swapped"]);
  // Moved (or copied) elsewhere: inode and change time differ by nature, size and mtime decide.
  const moved = { ...FILE, path: "/elsewhere/f.bin", ino: 9, ctimeMs: T + 7000 };
  assertEquals(sourceChanges(FILE, moved, acrossRuns), []);
  assertMatch(sourceChanges(FILE, { ...moved, size: 101 }, acrossRuns)[0], /^size 100 → 101/);
});

Deno.test("sourceChanges: another device is another file within a run, not across runs", () => {
  assertEquals(sourceChanges(FILE, { ...FILE, dev: 1 }, acrossRuns), []);
  assertEquals(sourceChanges(FILE, { ...FILE, dev: 1 }, inRun), [
    "now another file, on another device: replaced, renamed over or swapped",
  ]);
});

const CHUNKS: SourceFingerprint = {
  kind: "chunks",
  path: "/data/chunks/c_",
  size: 30,
  mtimeMs: T + 300,
  chunkCount: 3,
  chunks: [1, 2, 3].map((n) => ({
    name: `c_${n}`,
    size: 10,
    mtimeMs: T + 100 * n,
    ino: 10 + n,
    ctimeMs: T + 1000,
  })),
};

function withChunk(n: number, change: Record<string, number>): SourceFingerprint {
  return { ...CHUNKS, chunks: CHUNKS.chunks!.map((c, i) => i === n - 1 ? { ...c, ...change } : c) };
}

Deno.test("sourceChanges: a chunk replaced by rename with its mtime kept (rsync -t) is a change", () => {
  const changes = sourceChanges(CHUNKS, withChunk(2, { ino: 99, ctimeMs: T + 4000 }), acrossRuns);
  assertEquals(changes.length, 1);
  assertMatch(changes[0], /^chunk c_2: now another file, inode 12 → 99: .*, its change time moved/);
  assertMatch(
    sourceChanges(CHUNKS, withChunk(3, { ctimeMs: T + 4000 }), acrossRuns)[0],
    /^chunk c_3: its change time moved/,
  );
});

Deno.test("sourceChanges: chunks recorded without inode or change time compare name, size, mtime", () => {
  const old: SourceFingerprint = {
    ...CHUNKS,
    chunks: CHUNKS.chunks!.map(({ name, size, mtimeMs }) => ({ name, size, mtimeMs })),
  };
  assertEquals(sourceChanges(old, withChunk(2, { ino: 99, ctimeMs: T + 4000 }), acrossRuns), []);
  assertMatch(sourceChanges(old, withChunk(2, { mtimeMs: T }), acrossRuns)[0], /^chunk c_2: mod/);
});

Deno.test("sourceChanges: a chunk directory moved elsewhere compares its chunks' sizes and mtimes", () => {
  const moved = { ...withChunk(1, { ino: 50, ctimeMs: T + 8000 }), path: "/moved/c_" };
  assertEquals(sourceChanges(CHUNKS, moved, acrossRuns), []);
});

Deno.test("fileChanges: size and mtime are always compared", () => {
  const stamp = { size: 5, mtimeMs: T };
  const samePath = { sameRun: true, samePath: true };
  assertEquals(fileChanges(stamp, { size: 6, mtimeMs: T + 1 }, samePath).length, 2);
});

Deno.test("recordMissing: an earlier version's record gains what this run stamped, nothing more", () => {
  const { ctimeMs: _, ...old } = FILE;
  assertEquals(recordMissing(old, { ...FILE, dev: 3 }), { ...FILE, dev: 2049 });
  assertEquals(recordMissing(undefined, FILE), FILE, "a seed file records none: all of now");
  const moved = { ...FILE, path: "/elsewhere/f.bin" };
  assertEquals(recordMissing(old, moved), old, "a moved source's stamp is of another path");
  const oldChunks: SourceFingerprint = {
    ...CHUNKS,
    chunks: CHUNKS.chunks!.map(({ name, size, mtimeMs }) => ({ name, size, mtimeMs })),
  };
  assertEquals(recordMissing(oldChunks, CHUNKS), CHUNKS);
});
