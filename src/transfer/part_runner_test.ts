/**
 * Which way each part goes, by checksum and store rules (docs/guarantees.md, "How each part is
 * checked"), on the memory store: what uploadPart is given and what the journal keeps.
 */
import { assertEquals } from "../../backends/testing/assert.ts";
import { partChecksum } from "../../backends/checksum.ts";
import { faultErrors } from "../../backends/memory/fault_backend.ts";
import type { ChecksumAlgorithm, PartChecksum } from "../../backends/types.ts";
import { S3mpuError } from "../errors.ts";
import { readMeta } from "../state/meta_file.ts";
import { readJournal } from "../state/parts_journal.ts";
import { makeFaultyWorkspace, MiB, runFails } from "../testing/engine_fixture.ts";

const SIZE = 11 * MiB + 5; // three parts of 5 MiB: two full, one short

const cases: {
  name: string;
  algorithm: ChecksumAlgorithm;
  md5Header: boolean;
  sent: (part: Uint8Array) => PartChecksum;
  journaled: (part: Uint8Array) => { checksum?: string; crc32?: string };
}[] = [{
  name: "md5 without the header: nothing sent, MD5 and CRC32 of the bytes journaled",
  algorithm: "md5",
  md5Header: false,
  sent: () => ({ algorithm: "none", value: "" }),
  journaled: (part) => ({
    checksum: partChecksum("md5", part).value,
    crc32: partChecksum("crc32", part).value,
  }),
}, {
  name: "md5 with the header: Content-MD5 sent, MD5 and the send's CRC32 journaled",
  algorithm: "md5",
  md5Header: true,
  sent: (part) => partChecksum("md5", part),
  journaled: (part) => ({
    checksum: partChecksum("md5", part).value,
    crc32: partChecksum("crc32", part).value,
  }),
}, {
  name: "crc32 to a store without trailers: the header, and the CRC32 once in the journal",
  algorithm: "crc32",
  md5Header: false,
  sent: (part) => partChecksum("crc32", part),
  journaled: (part) => ({ checksum: partChecksum("crc32", part).value }),
}];

for (const c of cases) {
  Deno.test(`a part's path: ${c.name}`, async () => {
    const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
    try {
      const sent: { partNumber: number; checksum: PartChecksum }[] = [];
      const upload = store.uploadPart.bind(store);
      store.uploadPart = (input, signal) => {
        sent.push({ partNumber: input.partNumber, checksum: input.checksum });
        return upload(input, signal);
      };
      // Complete fails for good, so the journal stays to be read.
      faulty.failOn("completeMultipartUpload", { times: 100, error: faultErrors.retryable });
      await runFails(ws, faulty, S3mpuError, {
        checksumAlgorithm: c.algorithm,
        md5Header: c.md5Header,
        threads: 1,
      });
      const uploadId = (await readMeta(ws.metaPath))!.uploadId;
      const journal = await readJournal(ws.partsPath, uploadId);
      assertEquals(journal.parts.size, 3);
      for (const [partNumber, entry] of journal.parts) {
        const at = (partNumber - 1) * 5 * MiB;
        const bytes = ws.bytes.subarray(at, Math.min(SIZE, at + 5 * MiB));
        const kept = { checksum: entry.checksum, ...(entry.crc32 ? { crc32: entry.crc32 } : {}) };
        assertEquals(kept, c.journaled(bytes), `part ${partNumber}`);
        assertEquals(
          sent.filter((s) => s.partNumber === partNumber).map((s) => s.checksum),
          [c.sent(bytes)],
          `part ${partNumber} sent once, with this checksum`,
        );
      }
    } finally {
      await ws.cleanup();
    }
  });
}
