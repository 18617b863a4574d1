import { assertEquals, assertMatch, assertRejects } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { memoryLogger } from "../log.ts";
import { defaultStateBaseFor, quietPartLines } from "./upload_extras.ts";

Deno.test("state files stay beside the source when its directory is writable", async () => {
  const dir = await Deno.makeTempDir();
  const logger = memoryLogger();
  assertEquals(
    await defaultStateBaseFor({}, `${dir}/a.bin`, logger, () => undefined),
    `${dir}/a.bin`,
  );
  assertEquals(logger.lines, []);
});

Deno.test("an unwritable source directory (even for root: /proc) falls back to XDG_STATE_HOME", async () => {
  const xdg = await Deno.makeTempDir();
  const logger = memoryLogger();
  const env: Record<string, string> = { XDG_STATE_HOME: xdg, HOME: "/nonexistent" };
  const base = await defaultStateBaseFor({}, "/proc/a.bin", logger, (n) => env[n]);
  assertMatch(base, new RegExp(`^${xdg}/s3mpu/a\\.bin-[0-9a-f]{12}$`));
  assertMatch(
    logger.lines.join("\n"),
    /\/proc is not writable; keeping the state files in .*\/s3mpu/,
  );
  assertEquals((await Deno.stat(`${xdg}/s3mpu`)).mode! & 0o777, 0o700);
  // Without XDG_STATE_HOME: ~/.local/state/s3mpu.
  const home = await Deno.makeTempDir();
  const homeBase = await defaultStateBaseFor(
    {},
    "/proc/a.bin",
    logger,
    (n) => ({ HOME: home } as Record<string, string>)[n],
  );
  assertMatch(homeBase, new RegExp(`^${home}/\\.local/state/s3mpu/a\\.bin-`));
});

Deno.test("--state-dir wins over S3MPU_STATE_DIR; -m with -a needs neither", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  const logger = memoryLogger();
  const env = (n: string) => (n === "S3MPU_STATE_DIR" ? b : undefined);
  assertMatch(
    await defaultStateBaseFor({ "state-dir": a }, "/x/f.bin", logger, env),
    new RegExp(`^${a}/f\\.bin-`),
  );
  assertMatch(await defaultStateBaseFor({}, "/x/f.bin", logger, env), new RegExp(`^${b}/f\\.bin-`));
  const both = { "state-dir": a, "meta-file-path": "m", "parts-file-path": "p" };
  assertEquals(await defaultStateBaseFor(both, "/x/f.bin", logger, env), "/x/f.bin");
  // Two files of the same name in different directories never share state.
  const one = await defaultStateBaseFor({}, "/x/f.bin", logger, env);
  const two = await defaultStateBaseFor({}, "/y/f.bin", logger, env);
  assertEquals(one === two, false);
});

Deno.test("under a live bar, part lines go to -v only; plain logs keep them", () => {
  const normal = memoryLogger("normal");
  quietPartLines(normal, "bar").info("Done uploading 3 - abc. Completed in 1 seconds.");
  quietPartLines(normal, "bar").info("Will upload 5 chunks.");
  assertEquals(normal.lines.length, 1);
  assertMatch(normal.lines[0], /Will upload 5 chunks/);
  const lines = memoryLogger("normal");
  quietPartLines(lines, "lines").info("Done uploading 3 - abc. Completed in 1 seconds.");
  assertEquals(lines.lines.length, 1);
  const verbose = memoryLogger("verbose");
  quietPartLines(verbose, "bar").info("Done uploading 3 - abc. Completed in 1 seconds.");
  assertEquals(verbose.lines.length, 1);
});

Deno.test("a named state directory is created (and said so) only when its parent exists", async () => {
  const root = await Deno.makeTempDir();
  const logger = memoryLogger();
  const base = await defaultStateBaseFor({ "state-dir": `${root}/st` }, "/x/f.bin", logger);
  assertMatch(base, new RegExp(`^${root}/st/f\\.bin-`));
  assertEquals((await Deno.stat(`${root}/st`)).mode! & 0o777, 0o700);
  assertMatch(
    logger.lines.join("\n"),
    /Created the state directory .*\/st \(--state-dir, mode 0700\)/,
  );
  await assertRejects(
    () => defaultStateBaseFor({ "state-dir": `${root}/no/st` }, "/x/f.bin", logger),
    UsageError,
    /--state-dir .*\/no\/st: its parent directory .*\/no does not exist/,
  );
  await assertRejects(
    () =>
      defaultStateBaseFor(
        {},
        "/x/f.bin",
        logger,
        (n) => n === "S3MPU_STATE_DIR" ? `${root}/a/b` : undefined,
      ),
    UsageError,
    /S3MPU_STATE_DIR .*\/a\/b: its parent directory/,
  );
  assertEquals(await Deno.stat(`${root}/no`).then(() => true, () => false), false);
});
