import { assertEquals, assertRejects } from "./testing/assert.ts";
import { SLICE_BYTES, sliceBytesFor, slicer, TokenBucket } from "./rate_limit.ts";

/** A clock that only moves when the bucket sleeps: time taken is exact, not measured. */
function fakeTime() {
  let t = 0;
  return {
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      return Promise.resolve();
    },
    get elapsed() {
      return t;
    },
  };
}

Deno.test("the bucket grants bytes at its rate, shared by every taker", async () => {
  const time = fakeTime();
  const bucket = new TokenBucket(1024 * 1024, undefined, time.now, time.sleep);
  const signal = new AbortController().signal;
  // Four workers each take 2 MiB in 64 KiB slices: 8 MiB at 1 MiB/s is 8 s of clock.
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let i = 0; i < 32; i++) await bucket.take(SLICE_BYTES, signal);
  }));
  assertEquals(Math.round(time.elapsed / 100) / 10, 8);
});

Deno.test("slicer yields the same bytes in slices and reports each", async () => {
  const body = new Uint8Array(SLICE_BYTES * 3 + 17).map((_, i) => (i * 31) % 251);
  const sent: number[] = [];
  const out: number[] = [];
  // The source's own slices (a stream's reads) are cut again at the slice size.
  const source = (async function* () {
    yield body.subarray(0, SLICE_BYTES + 5);
    yield body.subarray(SLICE_BYTES + 5);
  })();
  for await (
    const slice of slicer({ sent: (n) => sent.push(n) })(source, new AbortController().signal)
  ) {
    out.push(...slice);
  }
  assertEquals(sent, [SLICE_BYTES, 5, SLICE_BYTES, SLICE_BYTES, 12]);
  assertEquals(new Uint8Array(out), body);
});

Deno.test("a wait for tokens ends when the request is cancelled", async () => {
  const bucket = new TokenBucket(1); // one byte per second: the wait would be long
  const controller = new AbortController();
  const taking = bucket.take(SLICE_BYTES, controller.signal);
  controller.abort(new Error("cancelled"));
  await assertRejects(() => taking, Error, /cancelled/);
});

Deno.test("a low limit sends smaller slices, so no worker waits near the stall timeout", () => {
  assertEquals(sliceBytesFor(undefined), SLICE_BYTES);
  assertEquals(sliceBytesFor(20 * 1024 * 1024), SLICE_BYTES);
  assertEquals(sliceBytesFor(64 * 1024), 8 * 1024);
  assertEquals(sliceBytesFor(8 * 1024), 1024);
  // 64 workers at the lowest rate: each gets a slice every 64 × 1 KiB / 8 KiB/s = 8 s.
  assertEquals((64 * sliceBytesFor(8 * 1024)) / (8 * 1024), 8);
});
