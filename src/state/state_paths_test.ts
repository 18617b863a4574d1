import { assertEquals, assertRejects } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { checkOwnedJournal, checkStatePaths, readOwnedMeta } from "./state_paths.ts";

async function workspace() {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-paths-" });
  const source = `${dir}/source.bin`;
  await Deno.writeTextFile(source, "data");
  return { dir, source, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("state paths: absent files, or our own, pass; symbolic links resolve to their target", async () => {
  const w = await workspace();
  const paths = { metaPath: `${w.dir}/m.json`, partsPath: `${w.dir}/p.jsonl` };
  assertEquals(await checkStatePaths({ ...paths, sources: [w.source] }), paths);
  await Deno.writeTextFile(`${w.dir}/real.json`, "");
  await Deno.symlink(`${w.dir}/real.json`, `${w.dir}/link.json`);
  const resolved = await checkStatePaths({ ...paths, metaPath: `${w.dir}/link.json` });
  assertEquals(resolved.metaPath, await Deno.realPath(`${w.dir}/real.json`));
  await Deno.writeTextFile(`${w.dir}/m.json.lock`, "1234\ncreating 2026-01-01T00:00:00Z\n");
  await checkStatePaths(paths);
  await w.cleanup();
});

Deno.test("state paths: the source, each other, the lock file, devices and foreign locks are refused", async () => {
  const w = await workspace();
  const m = `${w.dir}/m.json`;
  const p = `${w.dir}/p.jsonl`;
  const refuse = (metaPath: string, partsPath: string, pattern: RegExp) =>
    assertRejects(
      () => checkStatePaths({ metaPath, partsPath, sources: [w.source] }),
      UsageError,
      pattern,
    );
  await refuse(w.source, p, /-m .* is the file being uploaded/);
  await refuse(m, w.source, /-a .* is the file being uploaded/);
  await refuse(m, m, /-m and -a name the same file/);
  await refuse(m, `${m}.lock`, /-a and the lock file of -m name the same file/);
  await refuse(m, "/dev/null", /is a character device/);
  await refuse(w.dir, p, /is a directory/);
  await Deno.link(w.source, `${w.dir}/hard`);
  await refuse(`${w.dir}/hard`, p, /is the file being uploaded/);
  await Deno.writeTextFile(`${m}.lock`, "keep me\n");
  await refuse(m, p, /is not an s3mpu lock file/);
  await w.cleanup();
});

Deno.test("readOwnedMeta: ours for this bucket and key, or refused", async () => {
  const w = await workspace();
  const m = `${w.dir}/m.json`;
  assertEquals(await readOwnedMeta(m), undefined);
  await Deno.writeTextFile(m, "");
  assertEquals(await readOwnedMeta(m), undefined, "an empty file holds nothing to lose");
  await Deno.writeTextFile(m, '{"bucket":"b","key":"k","uploadId":"u","splitSize":5}');
  assertEquals((await readOwnedMeta(m, { bucket: "b", key: "k" }))?.uploadId, "u");
  await assertRejects(
    () => readOwnedMeta(m, { bucket: "b", key: "other" }),
    UsageError,
    /records an upload to s3:\/\/b\/k, not s3:\/\/b\/other/,
  );
  await Deno.writeTextFile(m, '{"name":"app","version":"1.0.0"}');
  await assertRejects(() => readOwnedMeta(m), UsageError, /is not an s3mpu meta file/);
  await w.cleanup();
});

Deno.test("checkOwnedJournal: part records of this upload, a torn line allowed", async () => {
  const w = await workspace();
  const p = `${w.dir}/p.jsonl`;
  const line = (id: string) => JSON.stringify({ eTag: "e", partNumber: 1, uploadId: id }) + "\n";
  assertEquals((await checkOwnedJournal(p, "u")).uploadIds.size, 0);
  await Deno.writeTextFile(p, line("u") + line("seed-other") + '{"eTag":"tor');
  assertEquals([...(await checkOwnedJournal(p, "u")).uploadIds], ["u", "seed-other"]);
  await Deno.writeTextFile(p, line("v"));
  await assertRejects(() => checkOwnedJournal(p, "u"), UsageError, /belong to different uploads/);
  await Deno.writeTextFile(p, '{"level":"info"}\n');
  await assertRejects(() => checkOwnedJournal(p, undefined), UsageError, /not an s3mpu parts file/);
  await Deno.writeTextFile(p, "# notes\nbuy milk\n");
  await assertRejects(() => checkOwnedJournal(p, undefined), UsageError, /not an s3mpu parts file/);
  await w.cleanup();
});
