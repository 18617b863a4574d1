import { assertEquals } from "../../backends/testing/assert.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { UploadedPart } from "../../backends/types.ts";
import { needsPartChecksums, type PartFate, partFates, reconcile } from "./reconcile.ts";
import { memoryLogger } from "../log.ts";

const journaled = (partNumber: number, eTag: string, checksum?: string): JournalEntry => ({
  eTag,
  partNumber,
  uploadId: "u",
  ...(checksum ? { checksum } : {}),
});

Deno.test("partFates: one fate per planned part, from the journal and the server's listing", () => {
  const cases: {
    name: string;
    local?: JournalEntry;
    remote?: UploadedPart;
    needsChecksum: boolean;
    fate: PartFate;
  }[] = [
    { name: "on neither", needsChecksum: true, fate: "send" },
    {
      name: "journaled only",
      local: journaled(1, "a", "c"),
      needsChecksum: true,
      fate: "resend_missing",
    },
    {
      name: "both, same ETag",
      local: journaled(1, "a", "c"),
      remote: { partNumber: 1, eTag: "a", size: 10 },
      needsChecksum: true,
      fate: "kept",
    },
    {
      name: "server only, checksum listed",
      remote: { partNumber: 1, eTag: "a", size: 10, checksum: "c" },
      needsChecksum: true,
      fate: "adopt",
    },
    {
      name: "server only, no checksum listed, upload needs one (SeaweedFS)",
      remote: { partNumber: 1, eTag: "a", size: 10 },
      needsChecksum: true,
      fate: "adopt_after_read",
    },
    {
      name: "server only, no checksum listed, md5 upload",
      remote: { partNumber: 1, eTag: "a", size: 10 },
      needsChecksum: false,
      fate: "adopt",
    },
    {
      name: "journaled under another ETag, server lists no checksum",
      local: journaled(1, "old", "c"),
      remote: { partNumber: 1, eTag: "a", size: 10 },
      needsChecksum: true,
      fate: "adopt_after_read",
    },
    {
      name: "journaled under another ETag, server lists a checksum",
      local: journaled(1, "old", "c"),
      remote: { partNumber: 1, eTag: "a", size: 10, checksum: "d" },
      needsChecksum: true,
      fate: "adopt",
    },
    {
      name: "on the server at another size",
      remote: { partNumber: 1, eTag: "a", size: 9, checksum: "c" },
      needsChecksum: true,
      fate: "resend_wrong_size",
    },
  ];
  for (const c of cases) {
    const fates = partFates({
      planned: [{ partNumber: 1, size: 10 }],
      journal: new Map(c.local ? [[1, c.local]] : []),
      server: c.remote ? [c.remote] : [],
      needsChecksum: c.needsChecksum,
    });
    assertEquals(fates.get(1), c.fate, c.name);
  }
});

Deno.test("needsPartChecksums: flexible checksums must be listed at Complete, MD5 and none not", () => {
  assertEquals(
    ["crc32", "crc32c", "sha256", "md5", "none", undefined].map((a) =>
      needsPartChecksums({ checksumAlgorithm: a })
    ),
    [true, true, true, false, false, false],
  );
});

Deno.test("reconcile keeps a listed checksum only for an upload of a flexible checksum", () => {
  // boto3 and the SDKs send CRC32 by default: the server lists it even for an md5 upload,
  // whose journal `checksum` means the Content-MD5 sent.
  const server = [{ partNumber: 1, eTag: "a", size: 10, checksum: "crc=" }];
  const planned = [{ partNumber: 1, offset: 0, size: 10 }];
  const journal = new Map([[1, journaled(1, "a")]]);
  const entry = (needsChecksum: boolean) =>
    reconcile({ uploadId: "u", planned, journal, server, needsChecksum, logger: memoryLogger() })
      .done.get(1);
  assertEquals(entry(false)?.checksum, undefined);
  assertEquals(entry(true)?.checksum, "crc=");
});
