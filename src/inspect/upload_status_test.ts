import { RESTART, type Wording } from "../errors.ts";
import { cliText } from "../cli/remedy_words.ts";
import { assertEquals, assertMatch, assertOk } from "../../backends/testing/assert.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import { type JournalEntry, JournalWriter, readJournal } from "../state/parts_journal.ts";
import { lastRun, purgeWindow, ranges, uploadStatus } from "./upload_status.ts";

const MiB = 1024 * 1024;
const NOW = new Date("2026-11-24T12:00:00.000Z");

function meta(overrides: Partial<UploadMeta> = {}): UploadMeta {
  return {
    bucket: "b",
    key: "k",
    uploadId: "u",
    splitSize: 5 * MiB,
    partCount: 4,
    source: { kind: "file", path: "/f", size: 17 * MiB, mtimeMs: 0 },
    checksumAlgorithm: "crc32",
    createdAt: "2026-11-24T10:00:00.000Z",
    updatedAt: "2026-11-24T11:00:00.000Z",
    ...overrides,
  };
}

function entry(partNumber: number, at?: string, size?: number): JournalEntry {
  return {
    eTag: `e${partNumber}`,
    partNumber,
    uploadId: "u",
    ...(size ? { size } : {}),
    checksum: `c${partNumber}`,
    at,
  };
}

/** A warning as the CLI shows it (remedies as flags). */
const shown = (warning: string | Wording) => cliText(warning);

Deno.test("uploadStatus counts parts and bytes on the server and in the journal", () => {
  const journal = new Map([1, 2, 4].map((n) => [n, entry(n, undefined, n === 4 ? 2 * MiB : 0)]));
  const status = uploadStatus({
    meta: meta(),
    journal,
    server: [
      { partNumber: 1, eTag: "e1", size: 5 * MiB },
      { partNumber: 2, eTag: "e2", size: 5 * MiB },
      { partNumber: 3, eTag: "e3", size: 5 * MiB, checksum: "c3" },
    ],
    ttlHours: null,
    now: NOW,
  });
  assertEquals(status.state, "uploading");
  assertEquals([status.adoptAfterRead, status.wrongSize], [[], []]);
  assertEquals([status.totalParts, status.partsOnServer, status.partsInJournal], [4, 3, 3]);
  assertEquals([status.totalBytes, status.bytesOnServer], [17 * MiB, 15 * MiB]);
  assertEquals(status.bytesInJournal, 12 * MiB, "sizes from the plan when a line has none");
  assertEquals([status.journalOnly, status.serverOnly], [[4], [3]]);
  assertEquals(status.percentDone, 88.2);
  assertEquals(status.ageSeconds, 7200);
  assertEquals(status.warnings.length, 2);
  assertMatch(shown(status.warnings[0]), /1 journaled part\(s\) are not on the server \(4\)/);
  assertMatch(shown(status.warnings[1]), /missing from the journal \(3\)/);
  assertEquals(status.purge, null);
});

Deno.test("uploadStatus of a seed meta file uses the file's size when given", () => {
  const seed: UploadMeta = { bucket: "b", key: "k", uploadId: "u", splitSize: 5_000_000 };
  const unknown = uploadStatus({
    meta: seed,
    journal: new Map(),
    server: [],
    ttlHours: 24,
    now: NOW,
  });
  assertEquals([unknown.totalParts, unknown.totalBytes, unknown.percentDone], [null, null, null]);
  assertEquals([unknown.ageSeconds, unknown.purge, unknown.lastRun], [null, null, null]);
  const known = uploadStatus({
    meta: seed,
    journal: new Map([[1, entry(1)]]),
    server: [{ partNumber: 1, eTag: "e1" }],
    sourceSize: 12_000_000,
    ttlHours: 24,
    now: NOW,
  });
  assertEquals([known.totalParts, known.bytesOnServer, known.percentDone], [3, 5_000_000, 41.6]);
});

Deno.test("uploadStatus: gone says NoSuchUpload and --restart, or may be complete", () => {
  const gone = uploadStatus({
    meta: meta(),
    journal: new Map([[1, entry(1)]]),
    server: "gone",
    ttlHours: 24,
    now: NOW,
  });
  assertEquals([gone.state, gone.partsOnServer, gone.bytesOnServer], ["gone", null, null]);
  assertEquals(gone.partsInJournal, 1);
  assertEquals(gone.warnings.length, 1, "no purge warning for an upload already gone");
  assertMatch(shown(gone.warnings[0]), /NoSuchUpload.*--restart/);
  assertEquals((gone.warnings[0] as Wording).find((p) => typeof p !== "string"), RESTART);
  const completing = uploadStatus({
    meta: meta({ completing: { startedAt: "2026-11-24T11:30:00.000Z" } }),
    journal: new Map(),
    server: "gone",
    ttlHours: null,
    now: NOW,
  });
  assertMatch(shown(completing.warnings[0]), /may be complete/);
  const stillThere = uploadStatus({
    meta: meta({ completing: { startedAt: "2026-11-24T11:30:00.000Z" } }),
    journal: new Map(),
    server: [],
    ttlHours: null,
    now: NOW,
  });
  assertEquals(stillThere.state, "completing");
});

Deno.test("purge window: ok, near under 25% left, passed", () => {
  const created = new Date("2026-11-24T00:00:00.000Z");
  const at = (hours: number) => new Date(created.getTime() + hours * 3600_000);
  assertEquals(purgeWindow(created, null, at(1)), null);
  assertEquals(purgeWindow(undefined, 24, at(1)), null);
  assertEquals(purgeWindow(created, 24, at(17.9))?.level, "ok");
  const near = purgeWindow(created, 24, at(18.5))!;
  assertEquals([near.level, near.secondsLeft, near.purgeAt], [
    "near",
    5.5 * 3600,
    "2026-11-25T00:00:00.000Z",
  ]);
  assertEquals(purgeWindow(created, 24, at(24))?.level, "passed");
  // The last warning of an upload created at `created`, asked about `hours` later.
  const lastWarningAt = (hours: number) =>
    uploadStatus({
      meta: meta({ createdAt: created.toISOString() }),
      journal: new Map(),
      server: [],
      ttlHours: 24,
      now: at(hours),
    }).warnings.map(shown).at(-1)!;
  assertMatch(lastWarningAt(20), /Only 4\.0 h left before the store purges/);
  assertMatch(lastWarningAt(30), /after 24 h and this one is 30 h old/);
});

Deno.test("lastRun: parts after the meta's updatedAt, rate from that moment", () => {
  const run = lastRun(
    { updatedAt: "2026-11-24T11:00:00.000Z" },
    [
      entry(1, "2026-11-24T10:00:05.000Z", 5 * MiB), // an earlier run
      entry(2, "2026-11-24T11:00:02.000Z", 5 * MiB),
      entry(3, "2026-11-24T11:00:04.000Z", 5 * MiB),
      entry(4), // no stamp (older version)
    ],
  )!;
  assertEquals([run.parts, run.bytes, run.seconds], [2, 10 * MiB, 4]);
  assertEquals(run.bytesPerSecond, 2.5 * MiB);
  assertEquals(run.lastPartAt, "2026-11-24T11:00:04.000Z");
});

Deno.test("lastRun without an anchor: the last group of close entries, from its first", () => {
  const entries = [
    entry(1, "2026-11-24T08:00:00.000Z", MiB),
    entry(2, "2026-11-24T11:00:00.000Z", MiB),
    entry(3, "2026-11-24T11:00:01.000Z", MiB),
    entry(4, "2026-11-24T11:00:03.000Z", MiB),
  ];
  const run = lastRun({ completing: { startedAt: "2026-11-24T11:00:04.000Z" } }, entries)!;
  assertEquals([run.parts, run.seconds, run.bytesPerSecond], [3, 3, (2 * MiB) / 3]);
  assertEquals(run.startedAt, "2026-11-24T11:00:00.000Z");
  assertEquals(lastRun({}, [entry(1, "2026-11-24T08:00:00.000Z", MiB)])?.bytesPerSecond, null);
  assertEquals(lastRun({}, [entry(1)]), null);
});

Deno.test("the journal stamps `at` on each line and reads it back", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/parts.jsonl`;
  await Deno.writeTextFile(path, `{"eTag": "aa", "partNumber": 1, "uploadId": "u"}\n`);
  const writer = await JournalWriter.open(path, (await Deno.stat(path)).size);
  const before = Date.now();
  await writer.append({ eTag: "bb", partNumber: 2, uploadId: "u", size: 5 });
  await writer.append({ eTag: "cc", partNumber: 3, uploadId: "u", at: "2026-01-01T00:00:00.000Z" });
  await writer.close();
  const { parts, warnings } = await readJournal(path, "u");
  assertEquals(warnings, []);
  assertEquals(parts.get(1)?.at, undefined, "seed lines stay readable");
  const stamped = Date.parse(parts.get(2)!.at!);
  assertOk(stamped >= before - 1 && stamped <= Date.now() + 1);
  assertEquals(parts.get(3)?.at, "2026-01-01T00:00:00.000Z", "a given stamp is kept");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ranges compresses part numbers", () => {
  assertEquals(ranges([1, 2, 3, 7, 9, 10]), "1-3, 7, 9-10");
  assertEquals(ranges([]), "");
  assertEquals(ranges([1, 3, 5, 7], 2), "1, 3, …");
});

Deno.test("uploadStatus says which server parts resume reads to checksum, and which it re-sends", () => {
  // A crc32 upload on a store that lists no checksums (SeaweedFS): part 1 is journaled with
  // its checksum; part 2 is on the server only; part 3 is on the server at the wrong size.
  const status = uploadStatus({
    meta: meta(),
    journal: new Map([[1, entry(1)]]),
    server: [
      { partNumber: 1, eTag: "e1", size: 5 * MiB },
      { partNumber: 2, eTag: "e2", size: 5 * MiB },
      { partNumber: 3, eTag: "e3", size: 1 },
    ],
    etagIsMd5: true,
    ttlHours: null,
    now: NOW,
  });
  assertEquals(status.serverOnly, [2, 3]);
  assertEquals(status.adoptAfterRead, [2]);
  assertEquals(status.wrongSize, [3]);
  assertEquals(status.warnings.length, 2, status.warnings.map(shown).join("\n"));
  assertMatch(
    shown(status.warnings[0]),
    /\(2\) and the server lists no crc32 checksum for them: the next run reads them from the file to compute it and sends again any whose MD5 is not its ETag/,
  );
  assertMatch(
    shown(status.warnings[1]),
    /another size than planned \(3\); the next run sends them again/,
  );
});
