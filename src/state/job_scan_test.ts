import { assertEquals, assertRejects } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { FileStatus } from "./file_status.ts";
import { encodeRecord, type JobRecord } from "./job_records.ts";
import { scanGeneration, unsettledCount } from "./job_scan.ts";

const file = (i: number, p: string): JobRecord => ({ t: "f", i, p, s: 1, m: 1, c: 1, n: i });
const HEADER: JobRecord = { t: "h", v: 1, g: 1 };

/** Scans a journal made of `lines` (records, or raw text for a damaged line). */
async function scanOf(lines: (JobRecord | string)[]) {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/journal-1.jsonl`;
    const text = lines.map((l) => (typeof l === "string" ? l : encodeRecord(l)) + "\n").join("");
    await Deno.writeTextFile(path, text);
    return { scan: await scanGeneration(path), text };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the valid prefix ends at the first damaged line; what follows is cut, not read", async () => {
  const { scan, text } = await scanOf([
    HEADER,
    file(0, "a"),
    "\u0000\u0000\u0000",
    file(1, "b"),
    { t: "d", i: 0 },
  ]);
  assertEquals(scan!.fileCount, 1);
  assertEquals(scan!.status.get(0), FileStatus.pending);
  const valid = text.indexOf("\u0000");
  assertEquals(scan!.validLength, valid);
  assertEquals(scan!.cutBytes, text.length - valid);
});

Deno.test("a record that cannot follow ends the prefix: an id gap, an unknown id, a second header", async () => {
  for (
    const bad of [file(2, "c"), { t: "d", i: 5 } as JobRecord, { t: "h", v: 1, g: 1 } as JobRecord]
  ) {
    const { scan } = await scanOf([HEADER, file(0, "a"), bad, file(1, "b")]);
    assertEquals(scan!.fileCount, 1, encodeRecord(bad));
  }
});

Deno.test("done stays done: a later failure or upload record of the file is ignored", async () => {
  const { scan } = await scanOf([
    HEADER,
    file(0, "a"),
    { t: "d", i: 0, e: "x" },
    { t: "e", i: 0, code: "c", x: 3, msg: "m" },
    { t: "u", i: 0, u: "late", z: 5 },
    { t: "w", n: 1 },
  ]);
  assertEquals(scan!.status.get(0), FileStatus.done);
  assertEquals(scan!.inFlight.size, 0);
  assertEquals(unsettledCount(scan!), 0);
});

Deno.test("carried upload records count only once their file record follows them", async () => {
  const carried: JobRecord[] = [
    { t: "u", i: 1, u: "up", z: 5 },
    { t: "p", i: 1, n: 1, e: "e1" },
    { t: "c", i: 1, at: 9 },
  ];
  const whole = (await scanOf([HEADER, file(0, "a"), ...carried, file(1, "b")])).scan!;
  assertEquals(whole.inFlight.get(1)?.upload.u, "up");
  assertEquals(whole.inFlight.get(1)?.parts.size, 1);
  assertEquals(whole.status.get(1), FileStatus.completing);
  const cut = (await scanOf([HEADER, file(0, "a"), ...carried])).scan!;
  assertEquals(cut.fileCount, 1);
  assertEquals(cut.inFlight.size, 0);
  assertEquals(cut.lastPath, "a");
});

Deno.test("no header: never created; a newer format: refused with the fix", async () => {
  assertEquals((await scanOf([file(0, "a")])).scan, undefined);
  await assertRejects(() => scanOf([{ t: "h", v: 2, g: 1 }]), UsageError, /newer s3mpu/);
});
