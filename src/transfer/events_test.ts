import { assertEquals } from "../../backends/testing/assert.ts";
import { faultErrors } from "../../backends/memory/fault_backend.ts";
import { TokenBucket } from "../../backends/rate_limit.ts";
import {
  assertStored,
  makeFaultyWorkspace,
  makeJob,
  makeStore,
  makeWorkspace,
  MiB,
} from "../testing/engine_fixture.ts";
import type { TransferEvents } from "./events.ts";
import { runUpload } from "./object_upload.ts";
import { Scheduler } from "./scheduler.ts";

const SIZE = 11 * MiB; // parts of 5, 5 and 1 MiB

/** Events as lines, in order, for comparing. */
function recorder(countBytes: boolean) {
  const lines: string[] = [];
  let bytes = 0;
  const events: TransferEvents = {
    objectStarted: (t) => lines.push(`start ${t.totalParts} parts, ${t.doneParts} done`),
    partDone: (p) =>
      lines.push(`part ${p.partNumber} ${p.size} ${p.label === "" ? "-" : "labelled"}`),
    partLost: (n) => lines.push(`lost ${n}`),
    objectSent: () => lines.push("sent"),
    ...(countBytes
      ? {
        bytesSent: (n: number) => void (bytes += n),
        requestEnded: (sent: number, landed: number) => lines.push(`ended ${sent} ${landed}`),
      }
      : {}),
  };
  return { events, lines, bytes: () => bytes };
}

Deno.test("an upload tells its totals, each part and the end of sending, on one channel", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  const seen = recorder(false);
  await runUpload(await makeJob(ws, store, { events: seen.events, threads: 1 }));
  await assertStored(store, ws.bytes);
  assertEquals(seen.lines, [
    "start 3 parts, 0 done",
    `part 1 ${5 * MiB} labelled`,
    `part 2 ${5 * MiB} labelled`,
    `part 3 ${MiB} labelled`,
    "sent",
  ]);
  await ws.cleanup();
});

Deno.test("byte events: every byte as it leaves, a failed try withdrawn, the landed part kept", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  // Part 2 reaches the store and its answer is lost: the try's bytes are withdrawn, then sent again.
  faulty.failOn("uploadPart", {
    match: (c) => c.partNumber === 2,
    beforeCall: false,
    error: faultErrors.retryable(),
  });
  const seen = recorder(true);
  await runUpload(await makeJob(ws, faulty, { events: seen.events, threads: 1 }));
  await assertStored(store, ws.bytes);
  const five = 5 * MiB;
  assertEquals(seen.lines, [
    "start 3 parts, 0 done",
    `ended ${five} ${five}`,
    `part 1 ${five} labelled`,
    `ended ${five} 0`,
    `ended ${five} ${five}`,
    `part 2 ${five} labelled`,
    `ended ${MiB} ${MiB}`,
    `part 3 ${MiB} labelled`,
    "sent",
  ]);
  assertEquals(seen.bytes(), SIZE + five, "part 2 counted once per try");
  await ws.cleanup();
});

Deno.test("the scheduler's rate limit paces the parts even with no one counting bytes", async () => {
  const ws = await makeWorkspace(2 * MiB);
  const store = makeStore();
  let taken = 0;
  const rate = new class extends TokenBucket {
    override take(bytes: number, signal: AbortSignal) {
      taken += bytes;
      return super.take(bytes, signal);
    }
  }(64 * MiB);
  const scheduler = new Scheduler({ requestSlots: 2, rate });
  await runUpload(await makeJob(ws, store, { scheduler }));
  await assertStored(store, ws.bytes);
  assertEquals(taken, 2 * MiB, "every byte sent took its tokens");
  assertEquals(scheduler.freeSlots, 2, "every slot given back");
  await ws.cleanup();
});
