/**
 * Ctrl-C, SIGTERM and SIGHUP (a closed terminal): the run says which signal stopped it,
 * stops within a few seconds with exit 130 and the lock released, every part the server has
 * is journaled (and nothing else), and the same command resumes. A second SIGINT exits at once.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import { collect, MiB, runS3mpu, spawnS3mpu, waitForLines } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import { fixture, partsFailFrom, serverParts, stateOf, uploadArgs } from "./support/reliability.ts";
import { describeRun, errorLines, report } from "./support/run_output.ts";

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    Deno.test(`${server.name}: ${signal} mid-upload exits 130 with the journal flushed; the next run resumes`, async () => {
      const bucket = await stores.createTestBucket(server);
      const f = await fixture(60 * MiB + 5); // 13 parts
      // Slow parts, so the signal lands mid-upload with parts in flight.
      const proxy = await startFaultProxy({
        target: server.endpoint,
        rules: [{ match: { operation: "UploadPart" }, action: { kind: "latency", ms: 400 } }],
      });
      try {
        const args = uploadArgs(f, bucket, "signal.bin", ["-t", "2"]);
        const child = spawnS3mpu([...args, "--endpoint-url", proxy.url, "--json"], env);
        await waitForLines(f.parts, 2);
        const sent = performance.now();
        child.kill(signal);
        const stopped = await collect(child);
        const seconds = (performance.now() - sent) / 1000;
        assertEquals(stopped.code, 130, describeRun(stopped));
        assertOk(seconds < 6, `took ${seconds} s to stop`);
        assertMatch(errorLines(stopped.stderr)[0] ?? "", /Interrupted; state kept/);
        assertMatch(stopped.stderr, new RegExp(`${signal} received: stopping`));
        assertEquals(JSON.parse(stopped.stdout).error.code, "interrupted", "--json: one object");
        assertEquals(
          await Deno.stat(`${f.meta}.lock`).then(() => true, () => false),
          false,
          "lock released",
        );
        const state = await stateOf(f);
        assertOk(state, "state kept");
        const onServer = await serverParts(server, bucket, "signal.bin", state.meta.uploadId);
        assertEquals(
          [...state.journal].sort(([a], [b]) => a - b),
          [...onServer].sort(([a], [b]) => a - b),
          "journal lines == parts the server has",
        );
        // Resume on the endpoint the upload was begun on, now without delays.
        proxy.setRules([]);
        const resumed = await runS3mpu([...args, "--endpoint-url", proxy.url], env);
        assertEquals(resumed.code, 0, describeRun(resumed));
        assertMatch(
          resumed.stderr,
          new RegExp(`${state.journal.size} parts have already been uploaded\\.`),
        );
        report(
          `${server.name} signals: ${signal} stopped in ${
            seconds.toFixed(1)
          } s with ${state.journal.size} of 13 parts journaled (= on the server); resumed`,
        );
        await stores.assertStoredWhole(server, bucket, "signal.bin", f.bytes);
      } finally {
        await proxy.close();
        await f.cleanup();
      }
    });
  }

  Deno.test(`${server.name}: a second SIGINT exits at once; the state stays consistent`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(30 * MiB + 5); // 7 parts
    const proxy = await startFaultProxy({
      target: server.endpoint,
      // Parts from the third on never get an answer: the first SIGINT's grace would wait.
      rules: partsFailFrom(3, { kind: "stall" }),
    });
    try {
      const args = uploadArgs(f, bucket, "twice.bin", ["-t", "2"]);
      const child = spawnS3mpu([...args, "--endpoint-url", proxy.url, "--json"], env);
      await waitForLines(f.parts, 2);
      await new Promise((r) => setTimeout(r, 300)); // parts 3 and 4 are stalled in flight
      child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 300));
      const sent = performance.now();
      child.kill("SIGINT");
      const stopped = await collect(child);
      const seconds = (performance.now() - sent) / 1000;
      assertEquals(stopped.code, 130, describeRun(stopped));
      assertOk(seconds < 2, `second SIGINT took ${seconds} s`);
      assertMatch(stopped.stderr, /Stopped at once; the state files are consistent/);
      assertEquals(JSON.parse(stopped.stdout).error.exitCode, 130, "--json: one object");
      const state = await stateOf(f);
      assertOk(state);
      const onServer = await serverParts(server, bucket, "twice.bin", state.meta.uploadId);
      assertEquals([...state.journal.keys()].sort(), [1, 2]);
      assertEquals([...onServer.keys()].sort(), [1, 2]);
      proxy.setRules([]);
      const resumed = await runS3mpu([...args, "--endpoint-url", proxy.url], env);
      assertEquals(resumed.code, 0, describeRun(resumed));
      report(
        `${server.name} signals: second SIGINT exited in ${seconds.toFixed(2)} s; resumed`,
      );
      await stores.assertStoredWhole(server, bucket, "twice.bin", f.bytes);
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });
}
