import { assertEquals, assertMatch, assertRejects } from "../../backends/testing/assert.ts";
import { NeedsDecisionError, UsageError } from "../errors.ts";
import { canonicalJson, JobDir, jobIdOf } from "./job_dir.ts";
import { TEST_IDENTITY } from "../testing/job_fixture.ts";

Deno.test("the job id depends on what the identity says, not on its key order", async () => {
  const id = await jobIdOf(TEST_IDENTITY);
  assertMatch(id, /^[0-9a-f]{16}$/);
  const reordered = Object.fromEntries(Object.entries(TEST_IDENTITY).reverse());
  assertEquals(await jobIdOf(reordered as typeof TEST_IDENTITY), id);
  for (const change of [{ prefix: "q/" }, { bucket: "c" }, { filters: ["--exclude", "*.tmp"] }]) {
    assertEquals((await jobIdOf({ ...TEST_IDENTITY, ...change })) === id, false);
  }
  assertEquals(
    canonicalJson({ b: [1, { d: null, c: "x" }], a: true }),
    '{"a":true,"b":[1,{"c":"x","d":null}]}',
  );
});

Deno.test("an identity with a credential-like key is refused", async () => {
  await assertRejects(
    () => jobIdOf({ ...TEST_IDENTITY, secretAccessKey: "x" }),
    Error,
    /never hold a credential/,
  );
});

Deno.test("job.json records the identity and format; a copied job directory is refused", async () => {
  const stateDir = await Deno.makeTempDir();
  try {
    const dir = await JobDir.open(stateDir, TEST_IDENTITY);
    assertEquals(dir.path, `${stateDir}/jobs/${await jobIdOf(TEST_IDENTITY)}`);
    const job = JSON.parse(await Deno.readTextFile(`${dir.path}/job.json`));
    assertEquals(job.identity, TEST_IDENTITY);
    assertEquals(job.formatVersion, 1);
    assertEquals((await Deno.stat(`${dir.path}/job.json`)).mode! & 0o777, 0o600);
    await dir.release();
    // The same command finds the same job.
    await (await JobDir.open(stateDir, TEST_IDENTITY)).release();
    job.identity.prefix = "elsewhere/";
    await Deno.writeTextFile(`${dir.path}/job.json`, JSON.stringify(job));
    await assertRejects(
      () => JobDir.open(stateDir, TEST_IDENTITY),
      NeedsDecisionError,
      /records another job/,
    );
    job.formatVersion = 9;
    await Deno.writeTextFile(`${dir.path}/job.json`, JSON.stringify(job));
    await assertRejects(() => JobDir.open(stateDir, TEST_IDENTITY), UsageError, /newer s3mpu/);
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});

Deno.test("a second process gets a one-line error naming the pid holding the job", async () => {
  const stateDir = await Deno.makeTempDir();
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { JobDir } from "${new URL("./job_dir.ts", import.meta.url)}";
       await JobDir.open(${JSON.stringify(stateDir)}, ${JSON.stringify(TEST_IDENTITY)});
       console.log("locked");
       setInterval(() => {}, 1000);`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = holder.stdout.getReader();
    const { value } = await reader.read();
    assertEquals(new TextDecoder().decode(value).trim(), "locked");
    const error = await assertRejects(
      () => JobDir.open(stateDir, TEST_IDENTITY),
      UsageError,
      new RegExp(`Another s3mpu run \\(pid ${holder.pid}\\) is using .*/job\\.json; wait`),
    );
    assertEquals(error.message.includes("\n"), false);
    reader.releaseLock();
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
    await holder.stdout.cancel().catch(() => {});
  }
  try {
    // The OS released the killed holder's lock.
    await (await JobDir.open(stateDir, TEST_IDENTITY)).release();
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});
