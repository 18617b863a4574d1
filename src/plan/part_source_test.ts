/**
 * One source identity per run, on real files: a part's handle on another file (the path
 * renamed over or swapped), or on the same file changed (its mtime put back, its change time
 * moved), is refused at open or before the last slice leaves; the check before Complete sees
 * the same; and a chunk directory records and proves every chunk the same way.
 */
import {
  assertEquals,
  assertMatch,
  assertOk,
  assertRejects,
} from "../../backends/testing/assert.ts";
import { openChunkDirSource, openFileSource, type PartSource } from "./part_source.ts";
import { changeTimeWait, SourceChangedError, stampOf } from "./source_identity.ts";
import { sourceParts } from "./part_plan.ts";
import { overwriteAt, randomBytes } from "../testing/files.ts";

const SIZE = 300_000;

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-source-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Reads the source's part `n` (1-based) through a fresh reader, in 64 KiB slices. */
async function readPart(source: PartSource, n: number, partSize = SIZE): Promise<Uint8Array> {
  const part = sourceParts(source, partSize)[n - 1];
  const reader = await source.openReader();
  const out = new Uint8Array(part.size);
  let at = 0;
  try {
    for await (const slice of reader.slices(part, [new Uint8Array(65536)])) {
      out.set(slice, at);
      at += slice.length;
    }
  } finally {
    reader.close();
  }
  return out;
}

/** Puts back the mtime `path` had before `change`, as `touch -d "$old_mtime"` does. */
async function keepingMtime(path: string, change: () => Promise<void>): Promise<void> {
  const before = await Deno.stat(path);
  await change();
  await Deno.utime(path, before.atime!, before.mtime!);
}

Deno.test("Deno gives the change time (ctime) and inode on this platform; both are recorded", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/f`, randomBytes(10));
    const info = await Deno.stat(`${dir}/f`);
    const stamp = stampOf(info);
    assertOk(Deno.build.os === "windows" || stamp.ctimeMs !== undefined, "ctime populated");
    const source = await openFileSource(`${dir}/f`);
    assertEquals(source.fingerprint.ctimeMs, stamp.ctimeMs);
    assertEquals([source.fingerprint.ino, source.fingerprint.dev], [info.ino, info.dev]);
  });
});

Deno.test("changeTimeWait: only a whole-second change time in the current second is waited for", () => {
  const second = Date.parse("2026-12-01T10:00:05Z");
  const stamp = (ctimeMs?: number) => ({ size: 1, mtimeMs: 0, ...(ctimeMs ? { ctimeMs } : {}) });
  assertEquals(changeTimeWait([stamp(second)], second + 300), 750, "to the next second + 50 ms");
  assertEquals(changeTimeWait([stamp(second - 1000)], second + 300), 0, "an earlier second");
  assertEquals(changeTimeWait([stamp(second + 1), stamp()], second + 300), 0, "finer than 1 s");
  assertEquals(changeTimeWait([stamp(second + 5000)], second), 0, "the clock stepped back");
});

Deno.test("a file renamed over during the run: a part's handle on it is refused, naming the swap", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/f`;
    const bytes = randomBytes(SIZE);
    await Deno.writeFile(path, bytes);
    const source = await openFileSource(path);
    assertEquals(await readPart(source, 1), bytes);
    await Deno.writeFile(`${dir}/other`, randomBytes(SIZE));
    const mtime = (await Deno.stat(path)).mtime!;
    await Deno.utime(`${dir}/other`, mtime, mtime); // same size and mtime
    await Deno.rename(path, `${dir}/f.bak`);
    await Deno.rename(`${dir}/other`, path);
    const refused = await assertRejects(() => readPart(source, 1), SourceChangedError);
    assertMatch(refused.message, /f: now another file, inode \d+ → \d+: replaced, renamed over/);
    await assertRejects(() => source.checkUnchanged(), SourceChangedError, /now another file/);
    // Swapped back: the same file again, but the renames moved its change time.
    await Deno.rename(path, `${dir}/other`);
    await Deno.rename(`${dir}/f.bak`, path);
    await assertRejects(() => readPart(source, 1), SourceChangedError, /change time moved/);
    await assertRejects(() => source.checkUnchanged(), SourceChangedError, /change time moved/);
  });
});

Deno.test("a file edited in place with its mtime put back: refused before the part's last slice", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/f`;
    await Deno.writeFile(path, randomBytes(SIZE));
    const source = await openFileSource(path); // waits out the second the file was written in
    const part = sourceParts(source, SIZE)[0];
    const reader = await source.openReader();
    const seen: Uint8Array[] = [];
    try {
      await assertRejects(
        async () => {
          for await (const slice of reader.slices(part, [new Uint8Array(65536)])) {
            seen.push(slice.slice());
            if (seen.length === 1) {
              await keepingMtime(path, () => overwriteAt(path, 200_000, new Uint8Array([1, 2])));
            }
          }
        },
        SourceChangedError,
        /f: its change time moved .*: written/,
      );
    } finally {
      reader.close();
    }
    assertOk(seen.reduce((n, s) => n + s.length, 0) < SIZE, "the last slice never left");
    await assertRejects(() => source.checkUnchanged(), SourceChangedError, /change time moved/);
  });
});

Deno.test("an unchanged file reads and checks clean, part by part", async () => {
  await inTempDir(async (dir) => {
    const bytes = randomBytes(SIZE);
    await Deno.writeFile(`${dir}/f`, bytes);
    const source = await openFileSource(`${dir}/f`, { settle: false });
    assertEquals(await readPart(source, 2, 100_000), bytes.subarray(100_000, 200_000));
    await source.checkUnchanged();
  });
});

Deno.test("a chunk replaced by rename with its mtime kept (rsync -t): refused when read and before Complete", async () => {
  await inTempDir(async (dir) => {
    for (const n of [1, 2, 3]) await Deno.writeFile(`${dir}/c_${n}`, randomBytes(1000));
    const source = await openChunkDirSource(dir, "c_");
    const chunks = source.fingerprint.chunks!;
    assertEquals(chunks.map((c) => typeof c.ino + typeof c.ctimeMs), Array(3).fill("numbernumber"));
    const before = await Deno.stat(`${dir}/c_2`);
    await Deno.writeFile(`${dir}/.tmp`, randomBytes(1000));
    await Deno.utime(`${dir}/.tmp`, before.atime!, before.mtime!);
    await Deno.rename(`${dir}/.tmp`, `${dir}/c_2`);
    await readPart(source, 1, 1000); // another chunk still reads
    await assertRejects(
      () => readPart(source, 2, 1000),
      SourceChangedError,
      /chunk c_2: now another file, inode/,
    );
    await assertRejects(
      () => source.checkUnchanged(),
      SourceChangedError,
      /chunk c_2: now another file, inode \d+ → \d+: .*, its change time moved/,
    );
  });
});

Deno.test("an empty file opens (upload puts it whole, verify compares it)", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    const source = await openFileSource(`${dir}/empty`, { settle: false });
    assertEquals(source.fingerprint.size, 0);
    assertEquals(sourceParts(source, 5 * 1024 * 1024).length, 0);
  });
});
