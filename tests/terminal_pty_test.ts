/**
 * The terminal as issue 13 asks for it, in a pseudo-terminal against moto: the bar moves
 * with bytes as they leave (before any part is done), keeps its width, shows no per-part
 * lines unless -v, and the output ends with a newline even after a second Ctrl-C.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { MiB, type RandomFile, randomFile } from "./support/cli.ts";
import { hasScript, runShellInPty, shellQuote, visibleLines } from "./support/pty.ts";
import { createTestBucket, serverEnv, testServers } from "./support/servers.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const moto = testServers().find((s) => s.name === "moto")!;
const cli = (args: string[]) =>
  ["env", "-u", "NO_COLOR", Deno.execPath(), "run", "-A", "--quiet", MAIN, ...args].map(shellQuote)
    .join(" ");
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
/** Each bar frame as drawn: the text after a carriage return, up to the next one. */
const frames = (text: string) =>
  text.split("\r").map((f) => f.replace(ANSI_COLOUR, "")).filter((f) => /^\[[#.]+\]/.test(f));

/** A test in a pseudo-terminal against moto, given a new bucket and a random file of `size`. */
function ptyTest(
  name: string,
  size: number,
  fn: (bucket: string, file: RandomFile) => Promise<void>,
): void {
  Deno.test({
    name: `moto: ${name}`,
    ignore: !hasScript,
    fn: async () => {
      const bucket = await createTestBucket(moto);
      const file = await randomFile(size);
      try {
        await fn(bucket, file);
      } finally {
        await file.cleanup();
      }
    },
  });
}

ptyTest(
  "on a slow link the bar counts bytes before the first part is done",
  12 * MiB,
  async (bucket, file) => {
    const args = ["upload", file.path, `s3://${bucket}/slow.bin`, "-s", "6MiB", "-t", "1"];
    // 2 MiB/s: the first 6 MiB part takes about 3 s; the bar redraws every second.
    const run = await runShellInPty(cli([...args, "--limit-rate", "2MiB"]), serverEnv(moto));
    assertEquals(run.code, 0, run.text);
    const drawn = frames(run.text);
    const early = drawn.filter((f) => / 0\/2 parts/.test(f) && !/ 0 B\//.test(f));
    assertOk(early.length > 0, `a frame with bytes sent and no part done:\n${drawn.join("\n")}`);
    // Stable width: the bar ends at the same column in every frame.
    assertEquals(new Set(drawn.map((f) => f.indexOf("]"))).size, 1, drawn.join("\n"));
    assertEquals(/Done uploading/.test(run.text), false, "no part lines over a live bar");
    assertOk(run.text.endsWith("\n"), "ends with a newline");

    const verbose = await runShellInPty(cli([...args, "-v"]), serverEnv(moto));
    assertEquals(verbose.code, 0, verbose.text);
    assertMatch(visibleLines(verbose.text).join("\n"), /Done uploading 2 - /);
  },
);

ptyTest(
  "a second Ctrl-C stops at once and leaves the cursor on a new line",
  20 * MiB,
  async (bucket, file) => {
    const upload = cli([
      "upload",
      file.path,
      `s3://${bucket}/int.bin`,
      "-s",
      "5MiB",
      "-t",
      "1",
      "--limit-rate",
      "1MiB",
    ]);
    // The shell sends SIGINT twice to the CLI (as two Ctrl-C presses do) while the bar is up.
    const script =
      `${upload} & pid=$!; sleep 3; kill -INT $pid; sleep 0.5; kill -INT $pid; wait $pid`;
    const run = await runShellInPty(script, serverEnv(moto));
    assertEquals(run.code, 130, run.text);
    assertMatch(run.text, /Stopped at once; the state files are consistent/);
    assertOk(run.text.endsWith("\n"), JSON.stringify(run.text.slice(-200)));
  },
);
