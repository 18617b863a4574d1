/**
 * The upload progress display as users see it: a live bar when stderr is a terminal (run in
 * a pseudo-terminal with util-linux `script`), plain periodic lines when it is not. Against
 * moto over HTTP.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { MiB, randomFile, runS3mpu } from "./support/cli.ts";
import { hasScript, runShellInPty, shellQuote, visibleLines } from "./support/pty.ts";
import { createTestBucket, serverEnv, testServers } from "./support/servers.ts";

const ESC = String.fromCharCode(27);
/** A character of the bar: fill, rest, or its colour codes. */
const BAR = `[#.${ESC}\\[\\]0-9m]`;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const moto = testServers().find((s) => s.name === "moto")!;

/**
 * Runs the CLI with stdin, stdout and stderr on a pseudo-terminal; returns what it drew.
 * NO_COLOR is unset (scripts/test.sh sets it for plain CI logs) unless `env` sets it.
 */
function runInPty(args: string[], env: Record<string, string>) {
  const command = [
    "env",
    "-u",
    "NO_COLOR",
    ...(env.NO_COLOR ? [`NO_COLOR=${env.NO_COLOR}`] : []),
    Deno.execPath(),
    ...["run", "-A", "--quiet", MAIN, ...args],
  ].map(shellQuote).join(" ");
  return runShellInPty(command, env);
}

async function uploadArgs(key: string, file: string) {
  const bucket = await createTestBucket(moto);
  return ["upload", "-b", bucket, "-k", key, "-f", file, "-s", "5MiB", "-t", "1"];
}

Deno.test({
  name: "moto: on a terminal, upload draws a live bar that log lines do not garble",
  ignore: !hasScript,
  fn: async () => {
    const file = await randomFile(60 * MiB);
    const run = await runInPty(await uploadArgs("bar.bin", file.path), serverEnv(moto));
    assertEquals(run.code, 0, run.text);
    const text = run.text;
    const redraws = text.match(new RegExp(`\r\\[${BAR}+\\] +\\d+%`, "g")) ?? [];
    assertOk(redraws.length >= 5, `${redraws.length} redraws:\n${JSON.stringify(text)}`);
    assertMatch(text, /\d+\/12 parts/);
    assertOk(text.includes(`${ESC}[36m#`), "the filled bar is coloured without NO_COLOR");
    const lines = visibleLines(text);
    const bar = new RegExp(`^\\[${BAR}+\\] +100% +60\\.0 MiB/60\\.0 MiB +.* 12/12 parts$`);
    assertOk(lines.some((line) => bar.test(line)), `a final 100% bar:\n${lines.join("\n")}`);
    // Every line left on screen is a whole log line or the final bar: nothing garbled.
    const log = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (INFO|WARN)\] /;
    for (const line of lines) assertOk(log.test(line) || bar.test(line), `garbled: ${line}`);
    assertMatch(lines.at(-1)!, /Upload complete: /);
    await file.cleanup();
  },
});

Deno.test({
  name: "moto: NO_COLOR keeps the bar free of escape codes; --no-progress hides it",
  ignore: !hasScript,
  fn: async () => {
    const file = await randomFile(12 * MiB);
    const plain = await runInPty(await uploadArgs("plain.bin", file.path), {
      ...serverEnv(moto),
      NO_COLOR: "1",
    });
    assertEquals(plain.code, 0, plain.text);
    assertEquals(plain.text.includes("\x1b"), false, JSON.stringify(plain.text));
    assertMatch(plain.text, /\r\[#+\] +100% .* 3\/3 parts/);
    const none = await runInPty(
      [...await uploadArgs("none.bin", file.path), "--no-progress"],
      serverEnv(moto),
    );
    assertEquals(none.code, 0, none.text);
    assertEquals(/\d+%/.test(none.text), false, none.text);
    assertMatch(none.text, /Upload complete: /);
    await file.cleanup();
  },
});

Deno.test("moto: without a terminal, upload logs plain progress lines and no \\r", async () => {
  const file = await randomFile(60 * MiB);
  const run = await runS3mpu(await uploadArgs("lines.bin", file.path), {
    ...serverEnv(moto),
    S3MPU_PROGRESS_INTERVAL: "0.2",
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stderr.includes("\r"), false);
  const progress = run.stderr.split("\n").filter((line) => line.includes("] Progress: "));
  assertOk(progress.length >= 2, `periodic lines and the last one:\n${run.stderr}`);
  assertMatch(
    progress.at(-1)!,
    /INFO\] Progress: 100% \(60\.0 MiB of 60\.0 MiB\), 12 of 12 parts, .*\/s, ETA 0s\.$/,
  );
  const quiet = await runS3mpu([...await uploadArgs("quiet.bin", file.path), "--quiet"], {
    ...serverEnv(moto),
    S3MPU_PROGRESS_INTERVAL: "0.2",
  });
  assertEquals([quiet.code, quiet.stderr], [0, ""]);
  await file.cleanup();
});
