import { assertEquals, assertOk } from "../../backends/testing/assert.ts";
import { faultErrors } from "../../backends/memory/fault_backend.ts";
import {
  ExitCode,
  InterruptedError,
  NeedsDecisionError,
  ResumableError,
  type S3mpuError,
  UsageError,
} from "../errors.ts";
import { fileStateStore } from "../state/file_state_store.ts";
import { makeFaultyWorkspace, makeJob, MiB, sha256 } from "../testing/engine_fixture.ts";
import { randomFile } from "../testing/files.ts";
import { batchExitCode, type Outcome, runBatch } from "./batch_runner.ts";
import { classifyFailure } from "./failure.ts";
import { runUpload } from "./object_upload.ts";
import { Scheduler } from "./scheduler.ts";

const never = new AbortController().signal;
const classify = (error: unknown) => classifyFailure(error, { stateKept: false });

Deno.test("one object's failure never stops the others: each ends in its own outcome", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(6 * MiB);
  const files = await Promise.all([1, 2, 3].map(() => randomFile(6 * MiB)));
  // Every part of the second object is refused for good.
  faulty.failOn("uploadPart", {
    match: (c) => c.key === "obj-1",
    times: Infinity,
    error: faultErrors.fatal(),
  });
  const scheduler = new Scheduler({ requestSlots: 3 });
  const jobs = await Promise.all(files.map(async (file, i) => {
    const job = await makeJob({ ...ws, filePath: file.path }, faulty, {
      key: `obj-${i}`,
      scheduler,
    });
    job.request.state = fileStateStore({
      metaPath: `${file.dir}/m.json`,
      partsPath: `${file.dir}/p.jsonl`,
    });
    return job;
  }));
  const report = await runBatch({
    tasks: jobs,
    run: runUpload,
    concurrency: 2,
    stopSignal: never,
    classify,
  });
  const byKey = new Map(report.outcomes.map((o) => [o.task.request.key, o]));
  assertEquals(byKey.get("obj-0")?.status, "done");
  assertEquals(byKey.get("obj-2")?.status, "done");
  const failed = byKey.get("obj-1");
  assertOk(failed?.status === "failed");
  assertEquals(failed.exitCode, ExitCode.resumable);
  assertEquals(report.exitCode, ExitCode.resumable);
  for (const [i, file] of files.entries()) {
    if (i === 1) continue;
    assertEquals(await sha256(store.getObject("bkt", `obj-${i}`)!), await sha256(file.bytes));
  }
  assertEquals(scheduler.freeSlots, 3);
  for (const file of files) await file.cleanup();
  await ws.cleanup();
});

Deno.test("tasks stream in from an async iterable, at most `concurrency` at once", async () => {
  let running = 0;
  let most = 0;
  async function* tasks() {
    for (let i = 0; i < 7; i++) yield i;
  }
  const report = await runBatch({
    tasks: tasks(),
    run: async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return n * 2;
    },
    concurrency: 3,
    stopSignal: never,
    classify,
  });
  assertEquals(report.outcomes.length, 7);
  assertEquals(most, 3);
  assertEquals(report.exitCode, ExitCode.ok);
  assertEquals(
    report.outcomes.map((o) => o.status === "done" ? o.result : -1).sort((a, b) => a - b),
    [0, 2, 4, 6, 8, 10, 12],
  );
});

Deno.test("a stop starts no new task and lets the ones in flight end; the batch exits 130", async () => {
  const stop = new AbortController();
  const started: number[] = [];
  const report = await runBatch({
    tasks: [0, 1, 2, 3, 4],
    run: async (n) => {
      started.push(n);
      if (n === 1) stop.abort();
      await new Promise((r) => setTimeout(r, 5));
      return n;
    },
    concurrency: 2,
    stopSignal: stop.signal,
    classify,
  });
  assertEquals(started, [0, 1]);
  assertEquals(report.outcomes.map((o) => o.status), ["done", "done"]);
  assertEquals([report.interrupted, report.exitCode], [true, ExitCode.interrupted]);
});

Deno.test("the batch's exit code: 130, then 2, then 3, then 4, then 0", () => {
  const failed = (error: S3mpuError): Outcome<number, number> => ({
    task: 0,
    status: "failed",
    error,
    exitCode: error.exitCode,
  });
  const done: Outcome<number, number> = { task: 0, status: "done", result: 0 };
  const usage = failed(new UsageError("u"));
  const rerun = failed(new ResumableError("r"));
  const decide = failed(new NeedsDecisionError("d"));
  const stopped = failed(new InterruptedError());
  assertEquals(batchExitCode([done, decide, rerun, usage, stopped], false), 130);
  assertEquals(batchExitCode([done, decide, rerun, usage], false), 2);
  assertEquals(batchExitCode([decide, rerun, done], false), 3);
  assertEquals(batchExitCode([decide, done], false), 4);
  assertEquals(batchExitCode([done, done], false), 0);
  assertEquals(batchExitCode([done], true), 130);
  assertEquals(batchExitCode([], false), 0);
});
