/**
 * The action's fallback when github.action_repository comes through empty in a composite
 * action (actions/runner#2473): the release binary is still fetched from the action's own
 * repository, read from its path, or the workflow's repository for `uses: ./`.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch } from "../backends/testing/assert.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Runs the entry script with `version` set and a fake gh that records its arguments. */
async function runEntry(actionPath: string, env: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-action-repo-" });
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  await Deno.writeTextFile(join(bin, "gh"), `#!/bin/sh\necho "$@" > "${dir}/gh-args"\nexit 1\n`);
  await Deno.chmod(join(bin, "gh"), 0o755);
  const out = await new Deno.Command("bash", {
    args: [join(ROOT, "scripts/action_entry.sh")],
    cwd: dir,
    env: {
      PATH: `${bin}:${Deno.env.get("PATH")}`,
      S3MPU_ACTION_PATH: actionPath,
      S3MPU_ACTION_REPOSITORY: "",
      S3MPU_INPUT_VERSION: "0.1.0",
      S3MPU_INPUT_BUCKET: "bucket",
      S3MPU_INPUT_KEY: "key",
      S3MPU_INPUT_FILE: "missing.bin",
      RUNNER_OS: "Linux",
      RUNNER_ARCH: "X64",
      RUNNER_TEMP: dir,
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ghArgs = await Deno.readTextFile(join(dir, "gh-args")).catch(() => "");
  await Deno.remove(dir, { recursive: true });
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr), ghArgs };
}

Deno.test("an empty github.action_repository is read from the action's path", async () => {
  const dir = await Deno.makeTempDir();
  const actionPath = join(dir, "_actions", "acme", "s3mpu-fork", "v1");
  await Deno.mkdir(dirname(actionPath), { recursive: true });
  await Deno.symlink(ROOT, actionPath);
  const run = await runEntry(actionPath, {});
  assertEquals(run.code, 2, run.stderr);
  assertMatch(run.ghArgs, /release download v0\.1\.0 --repo acme\/s3mpu-fork /);
  assertMatch(run.stderr, /from acme\/s3mpu-fork release v0\.1\.0/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("for `uses: ./` the workflow's repository publishes the binaries", async () => {
  const run = await runEntry(ROOT, { GITHUB_WORKSPACE: ROOT, GITHUB_REPOSITORY: "acme/s3mpu" });
  assertEquals(run.code, 2, run.stderr);
  assertMatch(run.ghArgs, /--repo acme\/s3mpu /);
});

Deno.test("github.action_repository, when set, wins", async () => {
  const run = await runEntry(ROOT, { S3MPU_ACTION_REPOSITORY: "owner/given" });
  assertMatch(run.ghArgs, /--repo owner\/given /);
});
