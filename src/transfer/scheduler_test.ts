import { assertEquals, assertRejects } from "../../backends/testing/assert.ts";
import { Scheduler } from "./scheduler.ts";

const never = new AbortController().signal;

/** Runs `count` sends of `bytes` each at once; returns the most that ran together. */
async function crowd(scheduler: Scheduler, count: number, bytes: number): Promise<number> {
  let running = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: count }, () =>
      scheduler.withSlot(bytes, never, async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 3));
        running--;
      })),
  );
  return most;
}

Deno.test("request slots cap the sends in flight over every caller", async () => {
  const scheduler = new Scheduler({ requestSlots: 3 });
  assertEquals(await crowd(scheduler, 10, 1), 3);
  assertEquals(scheduler.freeSlots, 3);
});

Deno.test("bytes in flight cap the sends too; a send larger than the budget runs alone", async () => {
  assertEquals(await crowd(new Scheduler({ requestSlots: 8, bytesInFlight: 100 }), 8, 40), 2);
  assertEquals(await crowd(new Scheduler({ requestSlots: 8, bytesInFlight: 100 }), 3, 500), 1);
});

Deno.test("a send waiting for a slot gives up when its signal aborts, and frees nothing it never held", async () => {
  const scheduler = new Scheduler({ requestSlots: 1 });
  let release!: () => void;
  const holding = scheduler.withSlot(1, never, () => new Promise<void>((r) => release = r));
  const stop = new AbortController();
  const waiting = scheduler.withSlot(1, stop.signal, () => Promise.resolve("ran"));
  stop.abort(new Error("stopped"));
  await assertRejects(() => waiting, Error, /stopped/);
  release();
  await holding;
  assertEquals(scheduler.freeSlots, 1);
});
