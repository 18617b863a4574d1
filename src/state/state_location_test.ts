import { assertEquals, assertMatch, assertRejects } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { findStatePaths, journalBeside, uploadStatePaths } from "./state_location.ts";

/** Where upload keeps the state of `source`, and the notes it printed. */
async function placed(
  place: Parameters<typeof uploadStatePaths>[0],
  source: string,
  env: Record<string, string> = {},
) {
  const notes: string[] = [];
  const paths = await uploadStatePaths(place, source, (m) => notes.push(m), (n) => env[n]);
  return { ...paths, notes };
}

Deno.test("state files stay beside the source when its directory is writable", async () => {
  const dir = await Deno.makeTempDir();
  assertEquals(await placed({}, `${dir}/a.bin`), {
    metaPath: `${dir}/a.bin.s3mpu-meta.json`,
    partsPath: `${dir}/a.bin.s3mpu-parts.jsonl`,
    defaulted: true,
    notes: [],
  });
});

Deno.test("an unwritable source directory (even for root: /proc) falls back to XDG_STATE_HOME", async () => {
  const xdg = await Deno.makeTempDir();
  const found = await placed({}, "/proc/a.bin", { XDG_STATE_HOME: xdg, HOME: "/nonexistent" });
  assertMatch(
    found.metaPath,
    new RegExp(`^${xdg}/s3mpu/a\\.bin-[0-9a-f]{12}\\.s3mpu-meta\\.json$`),
  );
  assertMatch(
    found.notes.join("\n"),
    /\/proc is not writable; keeping the state files in .*\/s3mpu/,
  );
  assertEquals((await Deno.stat(`${xdg}/s3mpu`)).mode! & 0o777, 0o700);
  // Without XDG_STATE_HOME: ~/.local/state/s3mpu.
  const home = await Deno.makeTempDir();
  const inHome = await placed({}, "/proc/a.bin", { HOME: home });
  assertMatch(inHome.metaPath, new RegExp(`^${home}/\\.local/state/s3mpu/a\\.bin-`));
});

Deno.test("--state-dir wins over S3MPU_STATE_DIR; -m with -a needs neither", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  const env = { S3MPU_STATE_DIR: b };
  assertMatch(
    (await placed({ stateDir: a }, "/x/f.bin", env)).metaPath,
    new RegExp(`^${a}/f\\.bin-`),
  );
  assertMatch((await placed({}, "/x/f.bin", env)).metaPath, new RegExp(`^${b}/f\\.bin-`));
  const both = await placed({ stateDir: a, metaPath: "m", partsPath: "p" }, "/x/f.bin", env);
  assertEquals([both.metaPath, both.partsPath, both.defaulted], ["m", "p", false]);
  // Two files of the same name in different directories never share state.
  const one = await placed({}, "/x/f.bin", env);
  const two = await placed({}, "/y/f.bin", env);
  assertEquals(one.metaPath === two.metaPath, false);
});

Deno.test("status and abort find the state where upload put it", async () => {
  const dir = await Deno.makeTempDir();
  const env = { S3MPU_STATE_DIR: dir };
  const put = await placed({}, "/x/f.bin", env);
  // Nothing recorded yet: the default beside the file, which an error then names.
  assertEquals(findStatePaths("/x/f.bin", {}, (n) => (env as Record<string, string>)[n]), {
    metaPath: "/x/f.bin.s3mpu-meta.json",
    partsPath: "/x/f.bin.s3mpu-parts.jsonl",
  });
  await Deno.writeTextFile(put.metaPath, "{}");
  assertEquals(
    findStatePaths("/x/f.bin", {}, (n) => (env as Record<string, string>)[n]),
    { metaPath: put.metaPath, partsPath: put.partsPath },
  );
  assertEquals(journalBeside("/d/db.tar.s3mpu-meta.json"), "/d/db.tar.s3mpu-parts.jsonl");
  assertEquals(journalBeside("m.json", "/d/db.tar"), "/d/db.tar.s3mpu-parts.jsonl");
  assertEquals(journalBeside("m.json"), undefined);
});

Deno.test("a named state directory is created (and said so) only when its parent exists", async () => {
  const root = await Deno.makeTempDir();
  const notes: string[] = [];
  const note = (m: string) => notes.push(m);
  const noEnv = () => undefined;
  const paths = await uploadStatePaths({ stateDir: `${root}/st` }, "/x/f.bin", note, noEnv);
  assertMatch(paths.metaPath, new RegExp(`^${root}/st/f\\.bin-`));
  assertEquals((await Deno.stat(`${root}/st`)).mode! & 0o777, 0o700);
  assertMatch(notes.join("\n"), /Created the state directory .*\/st \(--state-dir, mode 0700\)/);
  await assertRejects(
    () => uploadStatePaths({ stateDir: `${root}/no/st` }, "/x/f.bin", note, noEnv),
    UsageError,
    /--state-dir .*\/no\/st: its parent directory .*\/no does not exist/,
  );
  await assertRejects(
    () =>
      uploadStatePaths(
        {},
        "/x/f.bin",
        note,
        (n) => n === "S3MPU_STATE_DIR" ? `${root}/a/b` : undefined,
      ),
    UsageError,
    /S3MPU_STATE_DIR .*\/a\/b: its parent directory/,
  );
  assertEquals(await Deno.stat(`${root}/no`).then(() => true, () => false), false);
  await Deno.remove(root, { recursive: true });
});
