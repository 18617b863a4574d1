/**
 * The GitHub Action (action.yml + scripts/action_entry.sh) and the workflows: static checks
 * of the YAML, and the action's run step executed as the runner would, against moto behind
 * the fault proxy: a run that fails with exit 3 leaves its state in the workspace, and running
 * the step again resumes and writes the step outputs and summary.
 */
import { parse } from "yaml";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import { MiB, randomFile } from "./support/cli.ts";
import { partsFailFrom } from "./support/reliability.ts";
import * as stores from "./support/servers.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

// deno-lint-ignore no-explicit-any
type Yaml = any;

async function yaml(path: string): Promise<Yaml> {
  return parse(await Deno.readTextFile(join(ROOT, path)));
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(join(ROOT, path)).then((s) => s.isFile, () => false);
}

Deno.test("action.yml: composite, injection-safe, every input wired to the entry script", async () => {
  const action = await yaml("action.yml");
  assertEquals(action.runs.using, "composite");
  assertEquals(action.runs.steps.length, 1);
  const step = action.runs.steps[0];
  assertEquals([step.id, step.shell], ["upload", "bash"]);
  assertEquals(step.run, 'bash "$S3MPU_ACTION_PATH/scripts/action_entry.sh"');
  assertEquals(step.run.includes("${{"), false, "no expression spliced into the script");
  for (
    const file of [
      "scripts/action_entry.sh",
      "scripts/ensure_deno.sh",
      "scripts/versions.env",
      "scripts/compile.ts",
      "main.ts",
      "deno.json",
    ]
  ) {
    assertOk(await exists(file), `${file} exists`);
  }
  const inputs = Object.keys(action.inputs);
  assertEquals(inputs, [
    "bucket",
    "key",
    "file",
    "dir",
    "prefix",
    "endpoint-url",
    "region",
    "provider",
    "thread-count",
    "split-size",
    "meta-file",
    "parts-file",
    "state-dir",
    "version",
    "binary-repository",
    "github-token",
    "extra-args",
  ]);
  // Each input reaches the script as S3MPU_INPUT_<NAME> (github-token as GH_TOKEN), and the
  // script reads exactly those.
  const env: Record<string, string> = step.env;
  for (const input of inputs) {
    const name = input === "github-token"
      ? "GH_TOKEN"
      : `S3MPU_INPUT_${input.toUpperCase().replaceAll("-", "_")}`;
    assertEquals(env[name], `\${{ inputs.${input} }}`, name);
  }
  const script = await Deno.readTextFile(join(ROOT, "scripts/action_entry.sh"));
  const read = new Set(
    [...script.matchAll(/\binput ([A-Z_]+)\)|^add --[a-z-]+ ([A-Z_]+)$/gm)].map((m) =>
      `S3MPU_INPUT_${m[1] ?? m[2]}`
    ),
  );
  const passed = Object.keys(env).filter((name) => name.startsWith("S3MPU_INPUT_"));
  assertEquals([...read].sort(), passed.sort());
  for (const [name, output] of Object.entries(action.outputs) as [string, Yaml][]) {
    assertEquals(output.value, `\${{ steps.upload.outputs.${name} }}`);
  }
  assertEquals(Object.keys(action.outputs), [
    "etag",
    "location",
    "version-id",
    "upload-id",
    "size",
    "parts",
    "parts-uploaded",
    "meta-file",
    "parts-file",
    "exit-code",
  ]);
});

Deno.test("workflows: release on v* tags, tests first, pinned actions", async () => {
  const release = await yaml(".github/workflows/release.yml");
  assertEquals(release.on, { push: { tags: ["v*"] } });
  assertEquals(release.jobs.test.steps.at(-1).run, "bash .ci/run");
  assertEquals(release.jobs.build.needs, "test");
  assertEquals(release.jobs.verify.needs, "build");
  assertEquals(release.jobs.publish.needs, "verify");
  assertEquals(release.jobs.publish.permissions, { contents: "write" });
  const compile = release.jobs.build.steps.find((s: Yaml) => s.name === "Compile every target");
  assertMatch(compile.run, /scripts\/compile\.ts --all/);
  const targets = release.jobs.verify.strategy.matrix.include.map((m: Yaml) => m.target);
  const { TARGETS } = await import("../scripts/denort.ts");
  assertEquals(targets, [...TARGETS]);
  const ci = await yaml(".github/workflows/ci.yml");
  assertEquals(ci.jobs.test.steps.at(-1).run, "bash .ci/run");
  for (const workflow of [release, ci]) {
    for (const job of Object.values(workflow.jobs) as Yaml[]) {
      for (const step of job.steps) {
        // `uses: ./` is the CI job that runs this repository's own action.
        if (step.uses && step.uses !== "./") {
          assertMatch(step.uses, /^[\w.-]+\/[\w.-]+@(v\d+|[0-9a-f]{40})$/, step.uses);
        }
      }
    }
  }
});

const moto = stores.testServers().find((s) => s.name === "moto");

Deno.test({
  name: "action step: exit 3 keeps state in the workspace; the next run resumes and sets outputs",
  ignore: moto === undefined,
  fn: async () => {
    const server = moto!;
    const bucket = await stores.createTestBucket(server, "s3mpu-action");
    const file = await randomFile(12 * MiB + 5);
    const proxy = await startFaultProxy({
      target: server.endpoint,
      // From the second part on, every part is refused as if the credentials had expired
      // (fresh credentials do not help): exit 3, state kept.
      rules: partsFailFrom(2, { kind: "status", status: 403, code: "ExpiredToken" }),
    });
    const output = join(file.dir, "github_output");
    const summary = join(file.dir, "step_summary.md");
    const env = {
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      AWS_REGION: server.region,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      S3MPU_ACTION_PATH: ROOT,
      S3MPU_INPUT_BUCKET: bucket,
      S3MPU_INPUT_KEY: "action/source.bin",
      S3MPU_INPUT_FILE: "source.bin",
      S3MPU_INPUT_ENDPOINT_URL: proxy.url,
      S3MPU_INPUT_THREAD_COUNT: "1",
      S3MPU_INPUT_SPLIT_SIZE: "5MiB",
      S3MPU_INPUT_EXTRA_ARGS: "--retries 2",
    };
    const step = async () => {
      await Deno.writeTextFile(output, "");
      await Deno.writeTextFile(summary, "");
      const out = await new Deno.Command("bash", {
        args: [join(ROOT, "scripts/action_entry.sh")],
        cwd: file.dir,
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return {
        code: out.code,
        stdout: dec.decode(out.stdout),
        stderr: dec.decode(out.stderr),
        output: await Deno.readTextFile(output),
        summary: await Deno.readTextFile(summary),
      };
    };
    try {
      const first = await step();
      assertEquals(first.code, 3, first.stderr);
      const state = ".s3mpu-state/" + `${bucket}_action_source.bin`;
      assertMatch(first.output, new RegExp(`^meta-file=${state}-[0-9a-f]{12}\\.meta\\.json\n`));
      assertMatch(first.output, /\nstate-dir=\.s3mpu-state\nexit-code=3\n$/);
      assertMatch(
        first.stdout,
        /::error title=s3mpu upload failed \(exit 3\)::failed, but the state is kept/,
      );
      assertMatch(
        first.summary,
        /^### s3mpu: upload of s3:\/\/.+\/action\/source\.bin failed \(exit 3\)\n/,
      );
      const meta = first.output.match(/^meta-file=(.+)$/m)![1];
      assertOk(await Deno.stat(join(file.dir, meta)).then(() => true, () => false), "state kept");

      proxy.setRules([]); // the credentials are good again
      const second = await step();
      assertEquals(second.code, 0, second.stderr);
      const outputs = parseOutputs(second.output);
      const result = JSON.parse(second.stdout);
      assertEquals(outputs.etag, result.eTag);
      assertEquals(outputs["upload-id"], result.uploadId);
      assertEquals(outputs.size, String(12 * MiB + 5));
      assertEquals(outputs.parts, "3");
      assertEquals(outputs["parts-uploaded"], "2", "part 1 was done by the first run");
      assertEquals(outputs["exit-code"], "0");
      assertEquals(outputs["meta-file"], meta);
      assertMatch(second.summary, /^### s3mpu: upload complete\n/);
      assertMatch(
        second.summary,
        /\| Parts \| 3 × 5 MiB, 2 sent by this run, 1 already on the server \(resumed\) \|/,
      );
      await stores.assertStoredWhole(server, bucket, "action/source.bin", file.bytes);
    } finally {
      await proxy.close();
      await file.cleanup();
    }
  },
});

Deno.test("action step: bad inputs fail with exit 2 before anything runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-action-" });
  const run = async (env: Record<string, string>) => {
    const out = await new Deno.Command("bash", {
      args: [join(ROOT, "scripts/action_entry.sh")],
      cwd: dir,
      env: { S3MPU_ACTION_PATH: ROOT, GITHUB_OUTPUT: join(dir, "out"), ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
  };
  const noFile = await run({ S3MPU_INPUT_BUCKET: "b", S3MPU_INPUT_KEY: "k" });
  assertEquals(noFile, {
    code: 2,
    stdout: "::error title=s3mpu::Set file (or dir with prefix): what to upload.\n",
  });
  const both = await run({
    S3MPU_INPUT_BUCKET: "b",
    S3MPU_INPUT_KEY: "k",
    S3MPU_INPUT_FILE: "f",
    S3MPU_INPUT_DIR: "d",
  });
  assertEquals(
    both.stdout,
    "::error title=s3mpu::Set either file, or dir with prefix, not both.\n",
  );
  const noBucket = await run({ S3MPU_INPUT_KEY: "k", S3MPU_INPUT_FILE: "f" });
  assertEquals(noBucket.stdout, "::error title=s3mpu::The bucket input is required.\n");
  await Deno.remove(dir, { recursive: true });
});

/** Parses `name<<DELIM … DELIM` and `name=value` lines of a $GITHUB_OUTPUT file. */
function parseOutputs(text: string): Record<string, string> {
  const lines = text.split("\n");
  const outputs: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([\w-]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join("\n");
      i = end;
      continue;
    }
    const plain = /^([\w-]+)=(.*)$/.exec(lines[i]);
    if (plain) outputs[plain[1]] = plain[2];
  }
  return outputs;
}
