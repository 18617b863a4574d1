import { assertEquals, assertOk } from "../../backends/testing/assert.ts";
import { memoryLogger } from "../log.ts";
import { activeDir, ActiveMarker, markerPath, runningHolder } from "./active_uploads.ts";

const ref = { bucket: "b", key: "k/x.bin", uploadId: "u-1" };

/** Runs `code` in another Deno process (its locks are its own) and returns its output. */
async function inChild(code: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertOk(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("a held marker tells another process the upload runs, and its pid; release frees it", async () => {
  const dir = await Deno.makeTempDir();
  const module = new URL("./active_uploads.ts", import.meta.url).href;
  const ask = () =>
    inChild(
      `import { runningHolder } from "${module}";
       console.log(JSON.stringify(await runningHolder(${JSON.stringify(ref)}, ${
        JSON.stringify(dir)
      }) ?? null));`,
    );
  assertEquals(await ask(), "null", "no marker: not running");
  const marker = await ActiveMarker.take(ref, memoryLogger(), dir);
  assertOk(marker !== undefined);
  assertEquals(JSON.parse(await ask()), { pid: Deno.pid });
  assertEquals((await Deno.stat(marker.path)).mode! & 0o777, 0o600);
  await marker.release();
  assertEquals(await ask(), "null");
  assertEquals([...Deno.readDirSync(dir)], [], "the marker file is removed");
});

Deno.test("a marker left by a killed run is free; asking changes nothing", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(markerPath(dir, ref), "4242\n");
  assertEquals(await runningHolder(ref, dir), undefined);
  assertEquals(await Deno.readTextFile(markerPath(dir, ref)), "4242\n");
  // Another upload id (or bucket, or key) is another marker.
  const other = markerPath(dir, { ...ref, uploadId: "u-2" });
  assertOk(other !== markerPath(dir, ref));
});

Deno.test("an unwritable registry warns and lets the upload go on", async () => {
  const logger = memoryLogger();
  const marker = await ActiveMarker.take(ref, logger, "/proc/s3mpu-active");
  assertEquals(marker, undefined);
  assertOk(
    /Cannot mark upload u-1 as running in \/proc\/s3mpu-active/.test(logger.lines.join("\n")),
  );
});

Deno.test("the registry lives under XDG_STATE_HOME, else ~/.local/state", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assertEquals(activeDir(env({ XDG_STATE_HOME: "/x", HOME: "/h" })), "/x/s3mpu/active");
  assertEquals(activeDir(env({ HOME: "/h" })), "/h/.local/state/s3mpu/active");
});
