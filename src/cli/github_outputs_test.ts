import { assertEquals } from "../../backends/testing/assert.ts";
import type { UploadResult } from "../transfer/upload_job.ts";
import { formatBytes } from "../../backends/units.ts";
import {
  formatOutputs,
  githubOutputsFromEnv,
  isUploadResult,
  writeGithubOutputs,
} from "./github_outputs.ts";

const RESULT: UploadResult = {
  bucket: "bkt",
  key: "a/big.bin",
  uploadId: "up-123",
  eTag: "85be82d1851dc074f9e990c9ee7b9081-3",
  versionId: "v1",
  location: "http://bkt.s3.amazonaws.com/a/big.bin",
  size: 12_000_000,
  partSize: 5_242_880,
  parts: 3,
  partsUploaded: 2,
  seconds: 0.5637,
  checksumAlgorithm: "md5",
  proof: "multipart-etag",
};

/** Delimiters D0, D1, ... so the expected file contents are exact. */
function counter(): () => string {
  let n = 0;
  return () => `D${n++}`;
}

const EXPECTED_OUTPUTS = [
  "etag<<D0",
  "85be82d1851dc074f9e990c9ee7b9081-3",
  "D0",
  "location<<D1",
  "http://bkt.s3.amazonaws.com/a/big.bin",
  "D1",
  "version-id<<D2",
  "v1",
  "D2",
  "upload-id<<D3",
  "up-123",
  "D3",
  "size<<D4",
  "12000000",
  "D4",
  "bucket<<D5",
  "bkt",
  "D5",
  "key<<D6",
  "a/big.bin",
  "D6",
  "parts<<D7",
  "3",
  "D7",
  "parts-uploaded<<D8",
  "2",
  "D8",
  "",
].join("\n");

const EXPECTED_SUMMARY = [
  "### s3mpu: upload complete",
  "",
  "| | |",
  "| --- | --- |",
  "| Object | `s3://bkt/a/big.bin` |",
  "| Size | 12,000,000 bytes (11.4 MiB) |",
  "| Parts | 3 × 5 MiB, 2 sent by this run, 1 already on the server (resumed) |",
  "| ETag | `85be82d1851dc074f9e990c9ee7b9081-3` |",
  "| Version ID | `v1` |",
  "| Location | `http://bkt.s3.amazonaws.com/a/big.bin` |",
  "| Upload ID | `up-123` |",
  "| Time | 0.6 s |",
  "",
  "",
].join("\n");

async function tempFiles(): Promise<{ dir: string; output: string; summary: string }> {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-gh-" });
  return { dir, output: `${dir}/output`, summary: `${dir}/summary.md` };
}

Deno.test("writeGithubOutputs writes exact outputs and summary, appending", async () => {
  const { dir, output, summary } = await tempFiles();
  await Deno.writeTextFile(output, "earlier=1\n");
  const written = await writeGithubOutputs(RESULT, { output, summary }, { delimiter: counter() });
  assertEquals(written, [output, summary]);
  assertEquals(await Deno.readTextFile(output), "earlier=1\n" + EXPECTED_OUTPUTS);
  assertEquals(await Deno.readTextFile(summary), EXPECTED_SUMMARY);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("githubOutputsFromEnv writes only when S3MPU_GITHUB_OUTPUTS is 1 or true", async () => {
  const { dir, output, summary } = await tempFiles();
  const envOf = (flag?: string) => (name: string) =>
    ({
      S3MPU_GITHUB_OUTPUTS: flag,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
    } as Record<string, string | undefined>)[name];
  assertEquals(await githubOutputsFromEnv(RESULT, envOf(undefined)), []);
  assertEquals(await githubOutputsFromEnv(RESULT, envOf("0")), []);
  assertEquals((await Deno.stat(output).catch(() => null)) === null, true, "nothing written");
  assertEquals(
    await githubOutputsFromEnv(RESULT, envOf("true"), { delimiter: counter() }),
    [],
  );
  assertEquals(await Deno.readTextFile(output), EXPECTED_OUTPUTS);
  assertEquals(await Deno.readTextFile(summary), EXPECTED_SUMMARY);
  // Not an upload result (another command's --json): ignored.
  assertEquals(await githubOutputsFromEnv({ hello: 1 }, envOf("1")), []);
  assertEquals(await Deno.readTextFile(output), EXPECTED_OUTPUTS);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("githubOutputsFromEnv warns instead of throwing", async () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const none = await githubOutputsFromEnv(RESULT, env({ S3MPU_GITHUB_OUTPUTS: "1" }));
  assertEquals(none, [
    "S3MPU_GITHUB_OUTPUTS is set but neither GITHUB_OUTPUT nor GITHUB_STEP_SUMMARY is; no step outputs written.",
  ]);
  const bad = await githubOutputsFromEnv(
    RESULT,
    env({ S3MPU_GITHUB_OUTPUTS: "1", GITHUB_OUTPUT: "/nonexistent-dir/s3mpu/output" }),
  );
  assertEquals(bad.length, 1);
  assertEquals(
    bad[0].startsWith("The upload is complete, but writing the GitHub step outputs failed: "),
    true,
    bad[0],
  );
});

Deno.test("formatOutputs: a value holding the delimiter gets another one", () => {
  const delimiters = ["EOF", "EOF", "X"];
  const text = formatOutputs([["key", "line1\nEOF\nline3"], ["b", "v"]], {
    delimiter: () => delimiters.shift() ?? "Z",
  });
  assertEquals(text, "key<<EOF_0\nline1\nEOF\nline3\nEOF_0\nb<<X\nv\nX\n");
});

Deno.test("formatOutputs: random delimiters by default, invalid names rejected", () => {
  const text = formatOutputs([["etag", "abc"]]);
  const match = /^etag<<(ghadelimiter_[0-9a-f-]{36})\nabc\n\1\n$/.exec(text);
  assertEquals(match !== null, true, text);
  let error: unknown;
  try {
    formatOutputs([["bad name", "x"]]);
  } catch (e) {
    error = e;
  }
  assertEquals((error as Error).message, 'Invalid GitHub output name "bad name".');
});

Deno.test("summary escapes pipes, backticks and newlines in keys; omits empty fields", async () => {
  const { dir, summary } = await tempFiles();
  await writeGithubOutputs({
    ...RESULT,
    key: "we`ird|key\nx",
    versionId: undefined,
    location: undefined,
    partsUploaded: 3,
  }, { summary });
  const text = await Deno.readTextFile(summary);
  assertEquals(text.includes("| Object | ``s3://bkt/we`ird\\|key x`` |"), true, text);
  assertEquals(text.includes("Version ID"), false);
  assertEquals(text.includes("Location"), false);
  assertEquals(text.includes("| Parts | 3 × 5 MiB, 3 sent by this run |"), true, text);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("isUploadResult and formatBytes", () => {
  assertEquals(isUploadResult(RESULT), true);
  assertEquals(isUploadResult(null), false);
  assertEquals(isUploadResult({ ...RESULT, size: "1" }), false);
  assertEquals(
    [0, 1023, 1024, 5_242_880, 12_000_000, 5 * 1024 ** 4].map((n) => formatBytes(n, "exact")),
    ["0 B", "1023 B", "1 KiB", "5 MiB", "12 MB", "5 TiB"],
  );
});
