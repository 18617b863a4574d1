/**
 * Secrets and TLS. State files are 0600; a marker secret in AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN never shows up in stdout, stderr (with --debug too, and in failing
 * runs' errors), the meta file, the journal or the lock file. TLS is always verified: a
 * MinIO with a certificate from a private CA is refused without the CA (exit 2, one line
 * naming the certificate and --ca-bundle) and accepted with --ca-bundle or AWS_CA_BUNDLE,
 * on both HTTP handlers.
 * (s3mpu has no SSE-C option, so there is no customer key to check.)
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import { type CliRun, collect, MiB, runS3mpu, spawnS3mpu, waitForLines } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import { fixture, uploadArgs } from "./support/reliability.ts";
import { describeRun, errorLines, report, stackLines } from "./support/run_output.ts";
import {
  makeCerts,
  minioAvailable,
  minioClient,
  opensslAvailable,
  startMinio,
} from "./support/tls.ts";
import { CreateBucketCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import https from "node:https";
import { createHash } from "node:crypto";

const MARKER = `SECRETMARKER-${crypto.randomUUID()}`;

/** Every place a secret could leak to: outputs of runs and files left in the state dir. */
class LeakCheck {
  readonly places: Array<[string, string]> = [];
  run(label: string, run: CliRun): void {
    this.places.push([`${label} stdout`, run.stdout], [`${label} stderr`, run.stderr]);
  }
  async dir(label: string, dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || entry.name === "source.bin") continue;
      this.places.push([`${label} ${entry.name}`, await Deno.readTextFile(`${dir}/${entry.name}`)]);
    }
  }
  assertClean(): void {
    const leaks = this.places.filter(([, text]) => text.includes("SECRETMARKER"));
    assertEquals(leaks.map(([where]) => where), [], "the marker secret leaked");
  }
}

async function mode(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

// Moto checks no signatures: any secret and session token go, so the marker can be both.
const moto = stores.testServers().find((s) => s.name === "moto")!;

Deno.test("moto: a marker secret and session token never appear in output or state files; state files are 0600", async () => {
  const bucket = await stores.createTestBucket(moto);
  const f = await fixture(12 * MiB + 5);
  const env = {
    ...stores.serverEnv(moto),
    AWS_SECRET_ACCESS_KEY: `${MARKER}-secret`,
    AWS_SESSION_TOKEN: `${MARKER}-token`,
  };
  const check = new LeakCheck();
  const proxy = await startFaultProxy({ target: moto.endpoint });
  try {
    // 1. Killed mid-upload: the state files and the stale lock file stay behind.
    proxy.setRules([{ match: { operation: "UploadPart" }, action: { kind: "latency", ms: 400 } }]);
    const args = uploadArgs(f, bucket, "secret.bin", ["-t", "1", "--debug"]);
    const child = spawnS3mpu([...args, "--endpoint-url", proxy.url], env);
    await waitForLines(f.parts, 1);
    assertEquals(await mode(`${f.meta}.lock`), 0o600, "lock file mode");
    child.kill("SIGKILL");
    check.run("killed", await collect(child));
    assertEquals(await mode(f.meta), 0o600, "meta file mode");
    assertEquals(await mode(f.parts), 0o600, "parts file mode");
    await check.dir("after kill", f.dir);
    // 2. Failing for good with --debug (stack traces and causes printed).
    proxy.setRules([{
      match: { operation: "UploadPart" },
      action: { kind: "status", status: 403, code: "InvalidAccessKeyId" },
    }]);
    const failed = await runS3mpu([...args, "--endpoint-url", proxy.url], env);
    assertEquals(failed.code, 2, describeRun(failed)); // rejected credentials: exit 2
    assertOk(stackLines(failed.stderr).length > 0, "--debug prints the stack");
    check.run("failed --debug", failed);
    await check.dir("after failure", f.dir);
    // 3. A failing run without --debug, and a bad-input error.
    const plain = await runS3mpu(
      [...uploadArgs(f, bucket, "secret.bin", ["-t", "1"]), "--endpoint-url", proxy.url],
      env,
    );
    assertEquals(plain.code, 2);
    check.run("failed", plain);
    check.run("bad input", await runS3mpu([...args, "-t", "0"], env));
    // 4. Resumed to completion with --debug --verbose --json.
    // On the endpoint the upload was begun on (the proxy), now passing everything.
    proxy.setRules([]);
    const done = await runS3mpu(
      [...args, "--verbose", "--json", "--endpoint-url", proxy.url],
      env,
    );
    assertEquals(done.code, 0, describeRun(done));
    check.run("completed --debug --json", done);
    check.assertClean();
    report(
      `security: marker secret and session token absent from ${check.places.length} outputs and state files; meta, parts and lock files 0600`,
    );
    assertEquals(await stores.objectSha256(moto, bucket, "secret.bin"), stores.sha256Hex(f.bytes));
  } finally {
    await proxy.close();
    await f.cleanup();
  }
});

Deno.test({
  name: "minio: a marker secret that the server checks never leaks, also when the token is refused",
  ignore: !minioAvailable(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "s3mpu-secret-" });
    const minio = await startMinio(dir, { secretAccessKey: `${MARKER}-minio` });
    const f = await fixture(6 * MiB);
    const check = new LeakCheck();
    try {
      const server = minio.server;
      const bucket = await stores.createTestBucket(server);
      const env = stores.serverEnv(server);
      const args = uploadArgs(f, bucket, "secret.bin", ["--debug"]);
      // MinIO refuses a session token with root credentials: a failing run with --debug.
      const refused = await runS3mpu(args, { ...env, AWS_SESSION_TOKEN: `${MARKER}-token` });
      assertEquals(refused.code, 2, describeRun(refused));
      assertMatch(errorLines(refused.stderr)[0], /rejected the credentials/);
      check.run("refused token", refused);
      await check.dir("after refusal", f.dir);
      const done = await runS3mpu(args, env);
      assertEquals(done.code, 0, describeRun(done));
      check.run("completed", done);
      check.assertClean();
      await stores.assertStoredWhole(server, bucket, "secret.bin", f.bytes);
    } finally {
      await minio.close();
      await f.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "minio over TLS with a private CA: refused without the CA, accepted with --ca-bundle and AWS_CA_BUNDLE",
  ignore: !minioAvailable() || !opensslAvailable(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "s3mpu-tls-" });
    const certs = await makeCerts(dir);
    const minio = await startMinio(dir, { certsDir: certs.certsDir, caFile: certs.caFile });
    const ca = await Deno.readTextFile(certs.caFile);
    const client = minioClient(minio, "us-east-1", {
      requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }),
    });
    const f = await fixture(11 * MiB + 3);
    try {
      await client.send(new CreateBucketCommand({ Bucket: "tls" }));
      const env = {
        AWS_ACCESS_KEY_ID: minio.accessKeyId,
        AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL: minio.url,
      };
      const outcomes: string[] = [];
      for (const handler of ["node", "fetch"]) {
        const handlerEnv = { ...env, S3MPU_HTTP_HANDLER: handler };
        const key = (how: string) => `${handler}-${how}.bin`;
        const refused = await runS3mpu(uploadArgs(f, "tls", key("none")), handlerEnv);
        assertEquals(refused.code, 2, `${handler}: ${describeRun(refused)}`);
        const errors = errorLines(refused.stderr);
        assertEquals(errors.length, 1, refused.stderr);
        assertMatch(errors[0], /TLS certificate could not be verified.*--ca-bundle FILE/);
        assertEquals(stackLines(refused.stderr), []);
        const flag = await runS3mpu(
          uploadArgs(f, "tls", key("flag"), ["--ca-bundle", certs.caFile]),
          handlerEnv,
        );
        assertEquals(flag.code, 0, `${handler}: ${describeRun(flag)}`);
        const fromEnv = await runS3mpu(uploadArgs(f, "tls", key("env")), {
          ...handlerEnv,
          AWS_CA_BUNDLE: certs.caFile,
        });
        assertEquals(fromEnv.code, 0, `${handler}: ${describeRun(fromEnv)}`);
        // MinIO's own preset over HTTPS: parts streamed with a trailing CRC32 (node handler).
        const preset = await runS3mpu(
          uploadArgs(f, "tls", key("preset"), ["--ca-bundle", certs.caFile, "--provider", "minio"]),
          handlerEnv,
        );
        assertEquals(preset.code, 0, `${handler}: ${describeRun(preset)}`);
        for (const how of ["flag", "env", "preset"]) {
          const got = await client.send(new GetObjectCommand({ Bucket: "tls", Key: key(how) }));
          const bytes = await got.Body!.transformToByteArray();
          assertEquals(
            createHash("sha256").update(bytes).digest("hex"),
            stores.sha256Hex(f.bytes),
            `${handler} ${how}`,
          );
        }
        outcomes.push(
          `${handler}: refused (exit 2) without CA, ok with --ca-bundle, AWS_CA_BUNDLE and --provider minio`,
        );
      }
      report(`security: TLS private CA: ${outcomes.join("; ")}`);
    } finally {
      client.destroy();
      await minio.close();
      await f.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
