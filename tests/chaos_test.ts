/**
 * Chaos: one 256 MiB upload killed with SIGKILL at 24 moments chosen by a seeded RNG and
 * spread over the whole upload — during start-up and Create, while parts are in flight, and
 * while CompleteMultipartUpload is on the wire — then run to completion. After every kill
 * the journal must never claim a part the server lacks; at the end the object must be
 * byte-identical and no multipart upload holding data may be left open.
 *
 * Runs against MinIO when it is available, else moto. The fault proxy holds each part 150 ms,
 * so kills land among parts in flight; it swallows the first three Completes (killed before
 * reaching the server) and holds the fourth 300 ms, so it reaches the server after its run
 * was killed. Set S3MPU_CHAOS_SEED to replay another schedule.
 */
import { assertEquals, assertOk } from "../backends/testing/assert.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import { type CliRun, collect, MiB, runS3mpu, spawnS3mpu } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import {
  fixture,
  journalClaimsMissing,
  seededRandom,
  serverParts,
  stateOf,
  uploadArgs,
} from "./support/reliability.ts";
import { describeRun, report } from "./support/run_output.ts";

const SIZE = 256 * MiB + 12_345; // 52 parts of 5 MiB
const PARTS = 52;
const SEED = Number(Deno.env.get("S3MPU_CHAOS_SEED") ?? 20261124);

type Moment =
  | { kind: "startup"; afterMs: number }
  | { kind: "parts"; advance: number; afterMs: number }
  | { kind: "complete"; afterMs: number };

/** 4 kills in start-up, 16 spread over the parts, 4 during Complete; all randomised. */
function schedule(random: () => number): Moment[] {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const moments: Moment[] = [];
  for (let i = 0; i < 4; i++) moments.push({ kind: "startup", afterMs: int(50, 700) });
  // Each run gets 2 or 3 more parts journaled, then dies a random moment later: 16 kills
  // walk through the 52 parts.
  for (let i = 0; i < 16; i++) {
    moments.push({ kind: "parts", advance: int(2, 3), afterMs: int(0, 60) });
  }
  // The first three Completes never reach the server (the proxy swallows them); the fourth
  // is held 300 ms and then forwarded, after the kill: the server completes the upload of a
  // dead run, and the next run must notice (HeadObject) instead of failing.
  for (let i = 0; i < 4; i++) moments.push({ kind: "complete", afterMs: int(0, 250) });
  return moments;
}

async function lineCount(path: string): Promise<number> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").length - 1;
}

const server = stores.testServers()[0];

Deno.test(`${server.name}: chaos: a 256 MiB upload survives 24 SIGKILLs at random moments`, async () => {
  const env = stores.serverEnv(server);
  const bucket = await stores.createTestBucket(server);
  const f = await fixture(SIZE);
  const proxy = await startFaultProxy({
    target: server.endpoint,
    rules: [
      {
        match: { operation: "CompleteMultipartUpload" },
        nth: 1,
        times: 3,
        action: { kind: "stall" },
      },
      { match: { operation: "CompleteMultipartUpload" }, action: { kind: "latency", ms: 300 } },
      // Keep parts in flight long enough for kills to land among them.
      { match: { operation: "UploadPart" }, action: { kind: "latency", ms: 150 } },
    ],
  });
  const random = seededRandom(SEED);
  const args = uploadArgs(f, bucket, "chaos.bin", ["-t", "2", "--endpoint-url", proxy.url]);
  let kills = 0;
  let missed = 0;
  const log: string[] = [];
  let finished: CliRun | undefined;
  const started = performance.now();
  try {
    for (const moment of schedule(random)) {
      const child = spawnS3mpu(args, env);
      const status = child.status;
      let exited = false;
      status.then(() => exited = true);
      // Wait for the moment (bounded: a run that ends first is a miss, not a hang).
      const deadline = performance.now() + 60_000;
      const target = moment.kind === "parts"
        ? Math.min(PARTS - 1, (await lineCount(f.parts)) + moment.advance)
        : 0;
      const completes = () => proxy.stats.byOperation.CompleteMultipartUpload ?? 0;
      const completesBefore = completes();
      const reached = async () => {
        if (moment.kind === "startup") return true;
        if (moment.kind === "parts") return await lineCount(f.parts) >= target;
        // This run's Complete has reached the proxy (which holds it 300 ms).
        return completes() > completesBefore;
      };
      while (!exited && performance.now() < deadline && !(await reached())) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, moment.afterMs));
      if (!exited) child.kill("SIGKILL");
      const run = await collect(child);
      log.push(
        `${moment.kind}${
          moment.kind === "parts" ? `→${target}` : ""
        }+${moment.afterMs}ms: exit ${run.code}, ${await lineCount(f.parts)} lines`,
      );
      if (run.code === 0) {
        missed++;
        finished = run;
        break; // the upload finished before this kill: nothing left to interrupt
      }
      assertEquals(run.code, 137, `expected a kill, got ${describeRun(run)}`);
      kills++;
      // The journal never claims a part the server lacks.
      const state = await stateOf(f);
      if (state) {
        let onServer: Map<number, string>;
        try {
          onServer = await serverParts(server, bucket, "chaos.bin", state.meta.uploadId);
        } catch (error) {
          // Only a killed Complete that went through may make the upload disappear.
          assertOk(state.meta.completing, `upload gone without a completing marker: ${error}`);
          continue;
        }
        assertEquals(journalClaimsMissing(state.journal, onServer), [], `after kill ${kills}`);
      }
    }
    // A killed run's held Complete is still on its way to the server: let it land first, so
    // the last run meets the state the scenario describes rather than racing it.
    await proxy.settled();
    const completesBeforeLast = proxy.stats.byOperation.CompleteMultipartUpload ?? 0;
    const lastRunAfterKills = !finished;
    if (!finished) {
      finished = await runS3mpu(args, env);
      assertEquals(finished.code, 0, describeRun(finished));
    }
    if (lastRunAfterKills && completesBeforeLast >= 4) {
      // From the fourth on, a Complete reaches the server after its run died (a "parts" kill
      // may have caught an earlier Complete too): the last run sees the upload gone and finds
      // the finished object instead of failing, and sends no Complete of its own.
      assertEquals(proxy.stats.byOperation.CompleteMultipartUpload, completesBeforeLast);
      assertOk(/already completed by an earlier run/.test(finished.stderr), finished.stderr);
    }
    if (Deno.env.get("S3MPU_CHAOS_VERBOSE")) console.log(log.join("\n"));
    const seconds = (performance.now() - started) / 1000;
    const sent = proxy.stats.byOperation.UploadPart ?? 0;
    report(
      `${server.name} chaos (seed ${SEED}): ${kills} SIGKILLs survived, ${
        Math.max(0, sent - PARTS)
      } part uploads re-sent (${sent} UploadPart requests for ${PARTS} parts), ${
        proxy.stats.byOperation.CompleteMultipartUpload ?? 0
      } Complete requests, ${seconds.toFixed(0)} s`,
    );
    assertOk(kills >= 20, `only ${kills} kills landed (missed ${missed}):\n${log.join("\n")}`);
    assertEquals(await stores.objectSha256(server, bucket, "chaos.bin"), stores.sha256Hex(f.bytes));
    // A run killed between Create and writing its meta file leaves an upload nobody can prove
    // is its own, so no run aborts it (docs/guarantees.md): only such empty uploads may stay.
    const left = await stores.listOpenUploads(server, bucket);
    for (const upload of left) {
      const parts = await serverParts(server, bucket, "chaos.bin", upload.uploadId);
      assertEquals(parts.size, 0, `upload ${upload.uploadId} left open holds parts`);
    }
    assertOk(left.length <= 4, `at most one possible orphan per startup kill: ${left.length}`);
    assertEquals(await stateOf(f), undefined, "state files removed");
  } finally {
    await proxy.close();
    await f.cleanup();
  }
});
