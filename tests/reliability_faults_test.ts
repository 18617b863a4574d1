/**
 * Network and server faults, injected by the fault proxy between the CLI and MinIO or moto:
 * connection resets mid-body, stalls, 500s, 503 SlowDown with Retry-After, latency and
 * truncated responses, on UploadPart, CreateMultipartUpload, ListParts and
 * CompleteMultipartUpload. Every upload must end byte-identical with no open upload left;
 * retries exhausted must exit 3 with the state kept, and the same command must then finish.
 *
 * Each test prints one `[reliability]` line with the faults injected and the retries logged.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import type { FaultAction, FaultRule } from "./support/fault_proxy.ts";
import { MiB, runS3mpu } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import { partsFailFrom, proxyTest, stateOf, uploadArgs } from "./support/reliability.ts";
import { describeRun, errorLines, report, retryLines } from "./support/run_output.ts";

interface FaultCase {
  name: string;
  operation: "UploadPart" | "CreateMultipartUpload" | "CompleteMultipartUpload";
  action: FaultAction;
  nth?: number;
  times?: number;
  /** Faults the proxy must have injected. */
  injected: number;
  /** Retries the CLI must have logged at least (the HTTP client may replay some silently). */
  minRetries: number;
  /** A line the run must log. */
  expectLog?: RegExp;
  /** Uploads left open on purpose (an orphan that cannot be proved the run's own). */
  openUploadsLeft?: number;
  extra?: string[];
}

const CASES: FaultCase[] = [
  {
    name: "connection reset mid-body on UploadPart",
    operation: "UploadPart",
    action: { kind: "reset_mid_body" },
    nth: 2,
    times: 2,
    injected: 2,
    minRetries: 2,
  },
  {
    name: "stalled UploadPart (no answer) detected by --request-timeout 2s",
    operation: "UploadPart",
    action: { kind: "stall" },
    nth: 2,
    injected: 1,
    minRetries: 1,
    extra: ["--request-timeout", "2s"],
  },
  {
    name: "500 InternalError on UploadPart",
    operation: "UploadPart",
    action: { kind: "status", status: 500 },
    nth: 1,
    times: 3,
    injected: 3,
    minRetries: 3,
  },
  {
    name: "300 ms of added latency on every UploadPart",
    operation: "UploadPart",
    action: { kind: "latency", ms: 300 },
    injected: 3,
    minRetries: 0,
  },
  {
    name: "truncated UploadPart response (stored, answer lost)",
    operation: "UploadPart",
    action: { kind: "truncate_response" },
    nth: 2,
    injected: 1,
    minRetries: 0,
  },
  {
    name: "500 on CreateMultipartUpload",
    operation: "CreateMultipartUpload",
    action: { kind: "status", status: 500 },
    nth: 1,
    times: 2,
    injected: 2,
    minRetries: 2,
  },
  {
    name: "connection reset on CreateMultipartUpload",
    operation: "CreateMultipartUpload",
    action: { kind: "reset_mid_body" },
    nth: 1,
    injected: 1,
    minRetries: 0,
  },
  {
    name: "truncated CreateMultipartUpload response (possible orphan named, not aborted)",
    operation: "CreateMultipartUpload",
    action: { kind: "truncate_response" },
    nth: 1,
    injected: 1,
    minRetries: 0,
    expectLog: /may be orphans \(\S+\); they are left alone because nothing proves/,
    openUploadsLeft: 1,
  },
  {
    name: "503 SlowDown on CompleteMultipartUpload",
    operation: "CompleteMultipartUpload",
    action: { kind: "status", status: 503, code: "SlowDown", retryAfterSeconds: 1 },
    nth: 1,
    injected: 1,
    minRetries: 1,
  },
  {
    name: "truncated CompleteMultipartUpload response (completed, answer lost)",
    operation: "CompleteMultipartUpload",
    action: { kind: "truncate_response" },
    nth: 1,
    injected: 1,
    minRetries: 0,
    // MinIO answers the repeated Complete NoSuchUpload (settled by HeadObject); moto may accept it.
    expectLog: /The object is already complete on the server|Retrying completion/,
  },
  {
    name: "stalled CompleteMultipartUpload detected by --request-timeout 2s",
    operation: "CompleteMultipartUpload",
    action: { kind: "stall" },
    nth: 1,
    injected: 1,
    minRetries: 1,
    extra: ["--request-timeout", "2s"],
  },
];

const SIZE = 12 * MiB + 333; // three parts of 5 MiB

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);

  for (const c of CASES) {
    proxyTest(server, `${c.name}: completes byte-identical`, SIZE, async ({ bucket, f, proxy }) => {
      const rule: FaultRule = {
        match: { operation: c.operation },
        action: c.action,
        ...(c.nth !== undefined ? { nth: c.nth } : {}),
        ...(c.times !== undefined ? { times: c.times } : {}),
      };
      proxy.setRules([rule]);
      const run = await runS3mpu(
        uploadArgs(f, bucket, "fault.bin", [
          "-t",
          "2",
          "--endpoint-url",
          proxy.url,
          ...(c.extra ?? []),
        ]),
        env,
      );
      assertEquals(run.code, 0, describeRun(run));
      const injected = proxy.stats.injected[c.action.kind] ?? 0;
      const retries = retryLines(run.stderr).length;
      report(
        `${server.name} faults: ${c.name}: injected ${injected} ${c.action.kind}, retries logged ${retries}, requests ${
          proxy.stats.byOperation[c.operation]
        } ${c.operation}`,
      );
      assertEquals(injected, c.injected, "faults injected");
      assertOk(retries >= c.minRetries, `expected ≥ ${c.minRetries} retries:\n${run.stderr}`);
      if (c.expectLog) assertMatch(run.stderr, c.expectLog);
      assertEquals(
        await stores.objectSha256(server, bucket, "fault.bin"),
        stores.sha256Hex(f.bytes),
      );
      assertEquals(
        (await stores.listOpenUploads(server, bucket)).length,
        c.openUploadsLeft ?? 0,
        "open uploads left",
      );
      assertEquals(await stateOf(f), undefined, "state files removed");
    });
  }

  proxyTest(
    server,
    "503 SlowDown with Retry-After: 2 on UploadPart waits 2 s",
    SIZE,
    async ({ bucket, f, proxy }) => {
      // A rule that never fires, only records when each part's requests arrive.
      const arrivals = new Map<number, number[]>();
      const recorder: FaultRule = {
        match: {
          operation: "UploadPart",
          test: (url) => {
            const n = Number(url.searchParams.get("partNumber"));
            arrivals.set(n, [...(arrivals.get(n) ?? []), performance.now()]);
            return false;
          },
        },
        action: { kind: "pass" },
      };
      proxy.setRules([recorder, {
        match: { operation: "UploadPart" },
        nth: 2,
        action: { kind: "status", status: 503, code: "SlowDown", retryAfterSeconds: 2 },
      }]);
      const run = await runS3mpu(
        uploadArgs(f, bucket, "slow.bin", ["-t", "1", "--endpoint-url", proxy.url]),
        env,
      );
      assertEquals(run.code, 0, describeRun(run));
      const lines = retryLines(run.stderr);
      assertEquals(lines.length, 1, run.stderr);
      assertMatch(lines[0], /Retrying part 2 in 2\.0 s after try 1 of 8 failed \(SlowDown\)/);
      const [first, second] = arrivals.get(2)!;
      const waited = second - first;
      report(
        `${server.name} faults: 503 SlowDown Retry-After 2 s: injected ${
          proxy.stats.injected.status ?? 0
        }, retries logged ${lines.length}, waited ${(waited / 1000).toFixed(2)} s`,
      );
      assertOk(waited >= 1950, `waited only ${waited} ms`);
      await stores.assertStoredWhole(server, bucket, "slow.bin", f.bytes);
    },
  );

  proxyTest(
    server,
    "retries exhausted exits 3 with state kept; the same command then completes",
    SIZE,
    async ({ bucket, f, proxy }) => {
      // Part uploads from the third on always fail.
      proxy.setRules(partsFailFrom(3, { kind: "status", status: 500 }));
      const args = uploadArgs(f, bucket, "exhausted.bin", ["-t", "1", "--retries", "2"]);
      const failed = await runS3mpu([...args, "--endpoint-url", proxy.url], env);
      assertEquals(failed.code, 3, describeRun(failed));
      const errors = errorLines(failed.stderr);
      assertEquals(errors.length, 1, failed.stderr);
      assertMatch(
        errors[0],
        /kept failing after all retries.*run the same command again to resume/,
      );
      const retries = retryLines(failed.stderr).length;
      const state = await stateOf(f);
      assertOk(state, "meta kept");
      assertEquals(state.journal.size, 2, "the two parts sent before the failures are journaled");
      // The upload lives on the proxy's endpoint (another endpoint exits 4): resume there.
      proxy.setRules([]);
      const resumed = await runS3mpu([...args, "--endpoint-url", proxy.url], env);
      assertEquals(resumed.code, 0, describeRun(resumed));
      assertMatch(resumed.stderr, /2 parts have already been uploaded\./);
      report(
        `${server.name} faults: always 500 with --retries 2: injected ${
          proxy.stats.injected.status ?? 0
        }, retries logged ${retries}, exit 3, resumed with 2 of 3 parts done`,
      );
      assertEquals(retries, 1, "one retry (2 tries) before giving up");
      await stores.assertStoredWhole(server, bucket, "exhausted.bin", f.bytes);
    },
  );

  proxyTest(
    server,
    "ListParts failing with 500, then a truncated answer, on resume",
    SIZE,
    async ({ bucket, f, proxy }) => {
      proxy.setRules(partsFailFrom(2, { kind: "status", status: 500 }));
      const args = uploadArgs(f, bucket, "listparts.bin", ["-t", "1", "--endpoint-url", proxy.url]);
      const failed = await runS3mpu([...args, "--retries", "1"], env);
      assertEquals(failed.code, 3, describeRun(failed));
      proxy.setRules([
        { match: { operation: "ListParts" }, nth: 1, action: { kind: "status", status: 500 } },
        { match: { operation: "ListParts" }, nth: 2, action: { kind: "truncate_response" } },
      ]);
      const resumed = await runS3mpu(args, env);
      assertEquals(resumed.code, 0, describeRun(resumed));
      assertMatch(resumed.stderr, /1 parts have already been uploaded\./);
      const retries = retryLines(resumed.stderr);
      report(
        `${server.name} faults: ListParts 500 + truncated: injected ${
          (proxy.stats.injected.status ?? 0) - 1
        } status + ${
          proxy.stats.injected.truncate_response ?? 0
        } truncate_response, retries logged ${retries.length}`,
      );
      assertEquals(proxy.stats.injected.truncate_response, 1);
      assertOk(retries.some((l) => /Retrying listing parts/.test(l)), resumed.stderr);
      await stores.assertStoredWhole(server, bucket, "listparts.bin", f.bytes);
    },
  );
}
