/**
 * Refused credentials mid-upload, answered by the fault proxy: ExpiredToken exits 3 ("log in
 * again", re-running can succeed); InvalidAccessKeyId, SignatureDoesNotMatch and AccessDenied
 * exit 2 (the user must change the credentials). Either way the state is kept and the next
 * run, with working credentials, resumes. Refreshable credentials (a credential_process
 * profile) are fetched again on ExpiredToken and the upload goes on by itself.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import { MiB, runS3mpu } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import { fixture, partsFailFrom, stateOf, uploadArgs } from "./support/reliability.ts";
import { describeRun, errorLines, report } from "./support/run_output.ts";

const REJECTIONS = [
  {
    code: "ExpiredToken",
    status: 400,
    exit: 3,
    says: "credentials expired: .*\\(ExpiredToken\\)\\. Log in again",
  },
  {
    code: "InvalidAccessKeyId",
    status: 403,
    exit: 2,
    says: "rejected the credentials \\(InvalidAccessKeyId\\)",
  },
  {
    code: "SignatureDoesNotMatch",
    status: 403,
    exit: 2,
    says: "rejected the credentials \\(SignatureDoesNotMatch\\)",
  },
  {
    code: "AccessDenied",
    status: 403,
    exit: 2,
    says: "rejected the credentials \\(AccessDenied\\)",
  },
];

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);

  for (const { code, status, exit, says } of REJECTIONS) {
    Deno.test(`${server.name}: ${status} ${code} mid-upload exits ${exit}, state kept; the next run resumes`, async () => {
      const bucket = await stores.createTestBucket(server);
      const f = await fixture(12 * MiB + 1);
      const proxy = await startFaultProxy({
        target: server.endpoint,
        rules: partsFailFrom(2, { kind: "status", status, code }),
      });
      try {
        const args = uploadArgs(f, bucket, "creds.bin", ["-t", "1"]);
        const failed = await runS3mpu([...args, "--endpoint-url", proxy.url], env);
        assertEquals(failed.code, exit, describeRun(failed));
        const errors = errorLines(failed.stderr);
        assertEquals(errors.length, 1, failed.stderr);
        assertMatch(
          errors[0],
          new RegExp(`${says}.*run the same command to resume from`),
        );
        const state = await stateOf(f);
        assertOk(state, "state kept");
        assertEquals([...state.journal.keys()], [1]);
        if (code === "ExpiredToken") {
          // Static keys can't be refreshed into working ones: one forced refresh, then exit 3.
          assertMatch(failed.stderr, /answered ExpiredToken; fetching fresh credentials/);
        }
        // The upload lives on the proxy's endpoint: resume there, with nothing refused.
        proxy.setRules([]);
        const resumed = await runS3mpu([...args, "--endpoint-url", proxy.url], env);
        assertEquals(resumed.code, 0, describeRun(resumed));
        assertMatch(resumed.stderr, /1 parts have already been uploaded\./);
        report(
          `${server.name} credentials: ${status} ${code}: injected ${
            proxy.stats.injected.status ?? 0
          }, exit ${exit}, resumed with 1 of 3 parts done`,
        );
        await stores.assertStoredWhole(server, bucket, "creds.bin", f.bytes);
      } finally {
        await proxy.close();
        await f.cleanup();
      }
    });
  }

  Deno.test(`${server.name}: ExpiredToken with a credential_process profile: fresh credentials are fetched and the upload goes on`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(12 * MiB + 1);
    const count = `${f.dir}/invocations`;
    const script = `${f.dir}/creds.sh`;
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    await Deno.writeTextFile(
      script,
      `#!/bin/sh\necho run >> '${count}'\ncat <<'EOF'\n${
        JSON.stringify({
          Version: 1,
          AccessKeyId: server.accessKeyId,
          SecretAccessKey: server.secretAccessKey,
          Expiration: expiration,
        })
      }\nEOF\n`,
    );
    const config = `${f.dir}/aws-config`;
    await Deno.writeTextFile(
      config,
      `[profile rotating]\ncredential_process = /bin/sh ${script}\nregion = ${server.region}\n`,
    );
    const proxy = await startFaultProxy({
      target: server.endpoint,
      rules: [{
        match: { operation: "UploadPart" },
        nth: 2,
        action: { kind: "status", status: 400, code: "ExpiredToken" },
      }],
    });
    try {
      const run = await runS3mpu(
        uploadArgs(f, bucket, "rotating.bin", ["-t", "1", "--endpoint-url", proxy.url]),
        {
          AWS_CONFIG_FILE: config,
          AWS_SHARED_CREDENTIALS_FILE: `${f.dir}/no-credentials`,
          AWS_PROFILE: "rotating",
          AWS_REGION: server.region,
        },
      );
      assertEquals(run.code, 0, describeRun(run));
      const invocations = (await Deno.readTextFile(count)).trim().split("\n").length;
      report(
        `${server.name} credentials: ExpiredToken with credential_process: injected ${
          proxy.stats.injected.status ?? 0
        }, process invoked ${invocations} times, upload completed`,
      );
      assertMatch(run.stderr, /answered ExpiredToken; fetching fresh credentials/);
      assertOk(invocations >= 2, `credential_process ran ${invocations} time(s)`);
      await stores.assertStoredWhole(server, bucket, "rotating.bin", f.bytes);
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });
}
