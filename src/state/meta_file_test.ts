import { assertEquals, assertRejects } from "../../backends/testing/assert.ts";
import { readMeta, writeMeta } from "./meta_file.ts";
import { NeedsDecisionError } from "../errors.ts";
import { StateLock } from "./state_lock.ts";
import { UsageError } from "../errors.ts";

Deno.test("readMeta accepts the seed's four-key file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/meta.json`;
  await Deno.writeTextFile(
    path,
    `{\n  "bucket": "my-bucket",\n  "key": "data/input.txt",\n  "uploadId": "abc",\n  "splitSize": 5000000\n}\n`,
  );
  assertEquals(await readMeta(path), {
    bucket: "my-bucket",
    key: "data/input.txt",
    uploadId: "abc",
    splitSize: 5000000,
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readMeta refuses damaged meta with a decision error", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/meta.json`;
  for (
    const [text, pattern] of [["{not json", /not valid JSON/], [
      '{"bucket":"b"}',
      /lacks key, uploadId, splitSize/,
    ]] as const
  ) {
    await Deno.writeTextFile(path, text);
    await assertRejects(() => readMeta(path), NeedsDecisionError, pattern);
  }
  assertEquals(await readMeta(`${dir}/missing.json`), undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeMeta replaces atomically with mode 0600 and leaves no temp files", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/meta.json`;
  await writeMeta(path, { bucket: "b", key: "k", uploadId: "u1", splitSize: 8 });
  await writeMeta(path, { bucket: "b", key: "k", uploadId: "u2", splitSize: 8 });
  const meta = await readMeta(path);
  assertEquals([meta?.uploadId, meta?.formatVersion], ["u2", 1]);
  if (Deno.build.os !== "windows") assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  assertEquals(names, ["meta.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("StateLock refuses a second holder and frees on release", async () => {
  const dir = await Deno.makeTempDir();
  const meta = `${dir}/meta.json`;
  const first = await StateLock.acquire(meta);
  // A second process is needed: flock is per open file description, so test across processes.
  const script = `import { StateLock } from "${new URL("./state_lock.ts", import.meta.url).href}";
    try { const l = await StateLock.acquire(${
    JSON.stringify(meta)
  }); await l.release(); console.log("acquired"); }
    catch (e) { console.log(e.message); }`;
  const run = async () =>
    new TextDecoder().decode(
      (await new Deno.Command(Deno.execPath(), { args: ["eval", script], stderr: "inherit" })
        .output())
        .stdout,
    ).trim();
  const blocked = await run();
  assertEquals(blocked.startsWith(`Another s3mpu run (pid ${Deno.pid}) is using`), true, blocked);
  await first.release();
  assertEquals(await run(), "acquired");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("StateLock in a missing directory is a usage error", async () => {
  await assertRejects(
    () => StateLock.acquire("/nonexistent-dir/meta.json"),
    UsageError,
    /lock file/,
  );
});
