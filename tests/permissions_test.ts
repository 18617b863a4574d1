/**
 * The compiled binary's permissions (PERMISSION_FLAGS in scripts/compile_options.ts) are enough for
 * every way of getting credentials and TLS roots the CLI supports: the CLI runs here with
 * `deno run` and exactly those flags, in a clean environment, against moto. (The binary
 * itself cannot be built where denort cannot be downloaded; deno run with the same flags
 * grants the same permissions.)
 */
import { join } from "node:path";
import { assertEquals } from "../backends/testing/assert.ts";
import { PERMISSION_FLAGS } from "../scripts/compile_options.ts";
import { createTestBucket, headETag, testServers } from "./support/servers.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const moto = testServers().find((s) => s.name === "moto");

/** This process's environment without AWS, S3MPU and HOME settings, plus `extra`. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) =>
      !/^(AWS_|S3MPU_|GITHUB_OUTPUT|GITHUB_STEP_SUMMARY|HOME$|USERPROFILE$)/.test(name)
    ),
  );
  // Deno's cache lives under HOME by default; keep using it when HOME is unset.
  env.DENO_DIR = Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache/deno");
  // Never fall through to the instance metadata service.
  env.AWS_EC2_METADATA_DISABLED = "true";
  return { ...env, ...extra };
}

async function upload(name: string, env: Record<string, string>, extraArgs: string[] = []) {
  const server = moto!;
  const bucket = await createTestBucket(server, "s3mpu-perm");
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-perm-" });
  const file = join(dir, "small.bin");
  await Deno.writeFile(file, crypto.getRandomValues(new Uint8Array(1024)));
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...PERMISSION_FLAGS,
      MAIN,
      "upload",
      "-b",
      bucket,
      "-k",
      name,
      "-f",
      file,
      "--endpoint-url",
      server.endpoint,
      "--region",
      server.region,
      "--retries",
      "1",
      "--json",
      ...extraArgs,
    ],
    clearEnv: true,
    env: cleanEnv(env),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertEquals(typeof (await headETag(server, bucket, name)), "string", "object stored");
  return { dir, stderr };
}

const CA_FILES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem"];

Deno.test({
  name: "binary permissions: keys in the environment, HOME unset, --ca-bundle",
  ignore: moto === undefined,
  fn: async () => {
    const ca = CA_FILES.find((f) => {
      try {
        return Deno.statSync(f).isFile;
      } catch {
        return false;
      }
    });
    const { dir } = await upload("env-keys.bin", {
      AWS_ACCESS_KEY_ID: moto!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto!.secretAccessKey,
    }, ca ? ["--ca-bundle", ca] : []);
    await Deno.remove(dir, { recursive: true });
  },
});

/**
 * A test whose credentials live in a new temporary HOME: `setup` writes its files and returns
 * the run's environment; the upload of `key` must succeed. HOME is removed afterwards.
 */
function homeTest(
  name: string,
  key: string,
  setup: (home: string) => Promise<Record<string, string>>,
  ignore = moto === undefined,
): void {
  Deno.test({
    name: `binary permissions: ${name}`,
    ignore,
    fn: async () => {
      const home = await Deno.makeTempDir({ prefix: "s3mpu-home-" });
      try {
        const { dir } = await upload(key, { HOME: home, ...await setup(home) });
        await Deno.remove(dir, { recursive: true });
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    },
  });
}

homeTest("a profile in the shared config and credentials files", "profile.bin", async (home) => {
  await Deno.mkdir(join(home, ".aws"));
  await Deno.writeTextFile(
    join(home, ".aws", "credentials"),
    `[ci]\naws_access_key_id = ${moto!.accessKeyId}\naws_secret_access_key = ${
      moto!.secretAccessKey
    }\n`,
  );
  await Deno.writeTextFile(join(home, ".aws", "config"), "[profile ci]\nregion = us-east-1\n");
  return { AWS_PROFILE: "ci" };
});

homeTest(
  "web identity (OIDC, as configure-aws-credentials sets it up)",
  "oidc.bin",
  async (home) => {
    const token = join(home, "token");
    await Deno.writeTextFile(token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOngveSJ9.c2ln");
    return {
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/s3mpu-ci",
      AWS_WEB_IDENTITY_TOKEN_FILE: token,
      AWS_ROLE_SESSION_NAME: "s3mpu-test",
      AWS_ENDPOINT_URL_STS: moto!.endpoint,
    };
  },
);

homeTest(
  "credential_process in a profile",
  "process.bin",
  async (home) => {
    await Deno.mkdir(join(home, ".aws"));
    const helper = join(home, "creds.sh");
    const json = JSON.stringify({
      Version: 1,
      AccessKeyId: moto!.accessKeyId,
      SecretAccessKey: moto!.secretAccessKey,
    });
    await Deno.writeTextFile(helper, `#!/bin/sh\necho '${json}'\n`, { mode: 0o755 });
    await Deno.writeTextFile(
      join(home, ".aws", "config"),
      `[profile helper]\ncredential_process = ${helper}\n`,
    );
    return { AWS_PROFILE: "helper" };
  },
  moto === undefined || Deno.build.os === "windows",
);
