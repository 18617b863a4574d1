import { assertEquals, assertMatch, assertOk } from "../../backends/testing/assert.ts";
import { formatBytes } from "../../backends/units.ts";
import {
  barLine,
  createProgress,
  etaSeconds,
  percent,
  plainLine,
  progressMode,
  RateMeter,
  visibleLength,
} from "./progress.ts";
import { MiB } from "../testing/files.ts";
import { formatAge, formatEta, formatRate } from "./format.ts";

const GiB = 1024 * MiB;

Deno.test("formatBytes uses binary units with three significant digits", () => {
  const cases: Array<[number, string]> = [
    [0, "0 B"],
    [999, "999 B"],
    [1000, "0.98 KiB"],
    [1536, "1.50 KiB"],
    [5 * MiB, "5.00 MiB"],
    [60_000_000, "57.2 MiB"],
    [150 * MiB, "150 MiB"],
    [GiB, "1.00 GiB"],
    [2.5 * 1024 * GiB, "2.50 TiB"],
    [-1, "? B"],
  ];
  for (const [bytes, text] of cases) assertEquals(formatBytes(bytes), text, `${bytes}`);
});

Deno.test("formatRate and formatEta show -- while unknown", () => {
  assertEquals(formatRate(undefined), "--/s");
  assertEquals(formatRate(1.5 * MiB), "1.50 MiB/s");
  const cases: Array<[number | undefined, string]> = [
    [undefined, "--"],
    [Infinity, "--"],
    [0, "0s"],
    [42.1, "43s"],
    [59.5, "1m00s"],
    [60, "1m00s"],
    [185, "3m05s"],
    [7620, "2h07m"],
    [3 * 86400 + 4 * 3600 + 59, "3d04h"],
  ];
  for (const [seconds, text] of cases) assertEquals(formatEta(seconds), text, `${seconds}`);
});

Deno.test("formatAge and percent", () => {
  assertEquals(formatAge(0.42), "0.4s");
  assertEquals(formatAge(45), "45s");
  assertEquals(formatAge(12 * 60 + 5), "12m");
  assertEquals(formatAge(3 * 3600 + 20 * 60), "3h 20m");
  assertEquals(formatAge(2 * 86400 + 5 * 3600), "2d 5h");
  assertEquals(percent(0, 100), 0);
  assertEquals(percent(999, 1000), 99, "never rounds up to 100 before the end");
  assertEquals(percent(1000, 1000), 100);
  assertEquals(percent(0, 0), 100);
});

Deno.test("etaSeconds is the bytes left at the rate", () => {
  const snap = { doneBytes: 40, totalBytes: 100, doneParts: 4, totalParts: 10 };
  assertEquals(etaSeconds({ ...snap, rate: 10 }), 6);
  assertEquals(etaSeconds(snap), undefined);
  assertEquals(etaSeconds({ ...snap, rate: 0 }), undefined);
  assertEquals(etaSeconds({ ...snap, doneBytes: 100 }), 0);
});

Deno.test("barLine fills exactly width - 1 columns", () => {
  const snap = {
    doneBytes: 45 * MiB,
    totalBytes: 100 * MiB,
    doneParts: 9,
    totalParts: 20,
    rate: 5 * MiB,
  };
  const line = barLine(snap, 80);
  assertEquals(
    line,
    "[######.........]   45%   45.0 MiB/100 MiB  5.00 MiB/s  ETA 11s      9/20 parts",
  );
  assertEquals(line.length, 79);
  const wide = barLine(snap, 120);
  assertEquals(wide.length, 119);
  assertOk(wide.startsWith("[" + "#".repeat(24) + "."));
  const colored = barLine(snap, 80, true);
  assertOk(colored.includes("\x1b[36m######\x1b[0m"));
  assertEquals(visibleLength(colored), 79);
});

Deno.test("barLine drops the bar on narrow terminals and never wraps", () => {
  const snap = { doneBytes: 0, totalBytes: 10 * GiB, doneParts: 0, totalParts: 640 };
  const narrow = barLine(snap, 50);
  assertEquals(narrow.length, 49);
  assertOk(narrow.startsWith("  0%       0 B/10.0 GiB        --/s  ETA --"), narrow);
  assertEquals(barLine(snap, 20).length, 19);
  assertEquals(barLine(snap, 0).length, 1);
  assertMatch(barLine({ ...snap, doneBytes: 10 * GiB, doneParts: 640 }, 90), /^\[#+\] {2}100%/);
});

Deno.test("plainLine says it all in one sentence", () => {
  assertEquals(
    plainLine({
      doneBytes: 30 * MiB,
      totalBytes: 60 * MiB,
      doneParts: 6,
      totalParts: 12,
      rate: MiB,
    }),
    "Progress: 50% (30.0 MiB of 60.0 MiB), 6 of 12 parts, 1.00 MiB/s, ETA 30s.",
  );
});

Deno.test("RateMeter averages over its window and falls during a stall", () => {
  const meter = new RateMeter(10_000);
  meter.add(0, 0);
  assertEquals(meter.rate(500), undefined, "no progress yet");
  meter.add(10 * MiB, 1000);
  assertEquals(meter.rate(1000), 10 * MiB);
  meter.add(20 * MiB, 2000);
  assertEquals(meter.rate(2000), 10 * MiB);
  assertEquals(meter.rate(4000), 5 * MiB, "measured to now: nothing done for 2 s");
  for (let t = 3000; t <= 30_000; t += 1000) meter.add(20 * MiB + (t - 2000) * 1024, t);
  // 1 KiB/ms = 1000 KiB/s over the last 10 s, whatever came before.
  assertEquals(Math.round(meter.rate(30_000)!), 1000 * 1024);
});

Deno.test("progressMode: off with --quiet or --no-progress, a bar only on a terminal", () => {
  assertEquals(progressMode({ quiet: false, noProgress: false, isTerminal: true }), "bar");
  assertEquals(progressMode({ quiet: false, noProgress: false, isTerminal: false }), "lines");
  assertEquals(progressMode({ quiet: true, noProgress: false, isTerminal: true }), "off");
  assertEquals(progressMode({ quiet: false, noProgress: true, isTerminal: false }), "off");
});

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A bar on a fake clock and a terminal `width` columns wide, whose writes land in `out`. */
function fakeBar(opts: { width: number; redrawMs?: number }) {
  const clock = fakeClock();
  const out: string[] = [];
  const progress = createProgress({
    mode: "bar",
    write: (text) => out.push(text),
    width: () => opts.width,
    now: clock.now,
    ...(opts.redrawMs === undefined ? {} : { redrawMs: opts.redrawMs }),
  });
  return { clock, out, progress };
}

Deno.test("bar mode redraws at most once per redrawMs and ends at 100% on its own line", () => {
  const { clock, out, progress } = fakeBar({ width: 80, redrawMs: 100 });
  progress.start({ totalBytes: 4 * MiB, totalParts: 4, doneBytes: MiB, doneParts: 1 });
  assertEquals(out.length, 1);
  assertOk(out[0].startsWith("\r["), out[0]);
  assertOk(out[0].includes(" 25%") && out[0].includes("1/4 parts"), out[0]);
  clock.advance(50);
  progress.partDone(MiB);
  assertEquals(out.length, 1, "a part done 50 ms after a draw waits for the next slot");
  clock.advance(100);
  progress.partDone(MiB);
  assertEquals(out.length, 2);
  assertOk(out[1].includes(" 75%") && out[1].includes("3/4 parts"), out[1]);
  clock.advance(100);
  progress.partDone(MiB);
  progress.finish();
  const last = out.slice(-2);
  assertOk(last[0].includes("100%") && last[0].includes("4/4 parts"), last[0]);
  assertEquals(last[1], "\n");
  progress.close();
  assertEquals(out.at(-1), "\n", "close after finish writes nothing more");
});

Deno.test("bar mode clears the bar for a log line, then redraws it", () => {
  const { clock, out, progress } = fakeBar({ width: 60 });
  progress.log("before the bar");
  assertEquals(out, ["before the bar\n"]);
  progress.start({ totalBytes: 100, totalParts: 1, doneBytes: 0, doneParts: 0 });
  clock.advance(500);
  progress.log("[INFO] hello");
  assertEquals(out[2], `\r${" ".repeat(59)}\r[INFO] hello\n`, "cleared over the full bar");
  assertOk(out[3].startsWith("\r") && out[3].includes("0/1 parts"), "redrawn below");
  progress.log("[INFO] again");
  assertEquals(out.length, 5, "cleared and printed; the redraw waits for its slot");
  progress.log("[INFO] third");
  assertEquals(out[5], "[INFO] third\n", "no bar to clear");
  clock.advance(200);
  progress.partDone(100);
  assertOk(out[6].includes("100%"), "redrawn");
  progress.close();
  assertEquals(out.at(-1), "\n", "close leaves the last bar on its own line");
  progress.close();
});

Deno.test("lines mode logs a plain line at 100% and never writes \\r", () => {
  const lines: string[] = [];
  const raw: string[] = [];
  const progress = createProgress({
    mode: "lines",
    info: (m) => lines.push(m),
    write: (t) => raw.push(t),
    intervalMs: 60_000,
  });
  progress.start({ totalBytes: 10, totalParts: 2, doneBytes: 0, doneParts: 0 });
  progress.partDone(5);
  progress.partDone(5);
  progress.finish();
  progress.close();
  assertEquals(lines.length, 1);
  assertOk(lines[0].startsWith("Progress: 100% (10 B of 10 B), 2 of 2 parts"), lines[0]);
  assertEquals(raw, []);
});

Deno.test("lines mode logs at the interval", async () => {
  const lines: string[] = [];
  const progress = createProgress({ mode: "lines", info: (m) => lines.push(m), intervalMs: 20 });
  progress.start({ totalBytes: 10, totalParts: 2, doneBytes: 5, doneParts: 1 });
  await new Promise((r) => setTimeout(r, 75));
  progress.close();
  assertOk(lines.length >= 2, `${lines.length} lines`);
  assertOk(lines[0].startsWith("Progress: 50%"), lines[0]);
});

Deno.test("off mode shows nothing", () => {
  const out: string[] = [];
  const progress = createProgress({ mode: "off", write: (t) => out.push(t), info: () => {} });
  progress.start({ totalBytes: 10, totalParts: 1, doneBytes: 0, doneParts: 0 });
  progress.partDone(10);
  progress.finish();
  progress.close();
  assertEquals(out, []);
});

Deno.test("the bar keeps its length as the numbers change", () => {
  const total = { totalBytes: 10 * GiB, totalParts: 640 };
  const lines = [
    barLine({ ...total, doneBytes: 0, doneParts: 0 }, 100),
    barLine({ ...total, doneBytes: 5 * MiB, doneParts: 1, rate: 900 }, 100),
    barLine({ ...total, doneBytes: 3 * GiB, doneParts: 200, rate: 120 * MiB }, 100),
    barLine({ ...total, doneBytes: 10 * GiB, doneParts: 640, rate: 1.5 * GiB }, 100),
  ];
  const bars = lines.map((l) => l.indexOf("]"));
  assertEquals(new Set(bars).size, 1, lines.join("\n"));
  assertEquals(new Set(lines.map((l) => l.length)).size, 1);
});

Deno.test("bytes count as they leave, and a failed request's bytes are withdrawn", () => {
  const clock = fakeClock();
  const lines: string[] = [];
  const progress = createProgress({
    mode: "lines",
    info: (m) => lines.push(m),
    now: clock.now,
    intervalMs: 1_000_000,
  });
  progress.start({ totalBytes: 100 * MiB, totalParts: 10, doneBytes: 0, doneParts: 0 });
  progress.bytesSent(3 * MiB);
  progress.bytesSent(2 * MiB);
  progress.requestEnded(5 * MiB, 0); // failed: its bytes will be sent again
  progress.bytesSent(10 * MiB);
  progress.requestEnded(10 * MiB, 10 * MiB); // the server has the part
  progress.bytesSent(1 * MiB);
  progress.finish();
  assertMatch(lines.at(-1)!, /11% \(11\.0 MiB of 100 MiB\), 0 of 10 parts/);
});
