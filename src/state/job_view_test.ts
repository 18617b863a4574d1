import { assertEquals, assertMatch } from "../../backends/testing/assert.ts";
import { type GenerationView, lockHolder, nextRunText } from "./job_view.ts";
import { StateLock } from "./state_lock.ts";

Deno.test("lockHolder: no lock file, a lock held, and a lock file a killed run left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await lockHolder(dir), undefined);
    const lock = await StateLock.acquire(`${dir}/job.json`);
    assertEquals(await lockHolder(dir), Deno.pid);
    // A killed run leaves its pid in the file, but the OS released its lock.
    await lock.release();
    await Deno.writeTextFile(`${dir}/job.json.lock`, "4242\n");
    assertEquals(await lockHolder(dir), undefined);
    // Asking wrote nothing: a run can still take the lock at once.
    assertEquals(await Deno.readTextFile(`${dir}/job.json.lock`), "4242\n");
    const again = await StateLock.acquire(`${dir}/job.json`);
    await again.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function view(over: Partial<GenerationView>): GenerationView {
  return {
    generation: 2,
    baseline: 1,
    forced: false,
    walkComplete: true,
    ended: false,
    cursor: null,
    files: { found: 10, done: 6, skipped: 1, failed: 1, left: 2 },
    bytes: { total: 100, done: 70 },
    failures: [],
    inFlight: [],
    abandoned: [],
    cutBytes: 0,
    ...over,
  };
}

Deno.test("nextRunText follows the generation rules of a run", () => {
  assertMatch(nextRunText(undefined), /walks the tree and uploads every file/);
  assertMatch(
    nextRunText(view({ walkComplete: false, cursor: "d/x" })),
    /continues generation 2: its 3 unsettled files, then the walk after "d\/x"/,
  );
  assertMatch(nextRunText(view({})), /continues generation 2: its 3 unsettled files, no walk/);
  assertMatch(
    nextRunText(view({ ended: true })),
    /walks the tree afresh and uploads only new or changed files, and the 1 that failed/,
  );
  assertMatch(
    nextRunText(view({ ended: true, abandoned: [{ path: "a", uploadId: "u" }] })),
    /aborts the 1 uploads given up/,
  );
});
