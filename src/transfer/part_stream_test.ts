/**
 * The streamed part: the first pass's checksum is the checksum of the bytes the send yields,
 * each open reads the file again, and bytes changed between the passes fail the send before
 * its last slice as a source change (exit 4), for a file and for a chunk directory.
 */
import { assertEquals, assertRejects, assertThrows } from "../../backends/testing/assert.ts";
import { partChecksum } from "../../backends/checksum.ts";
import { NeedsDecisionError } from "../errors.ts";
import {
  openChunkDirSource,
  openFileSource,
  type PartReader,
  type PartSource,
} from "../plan/part_source.ts";
import { sourceParts } from "../plan/part_plan.ts";
import { checkedPartStream, READ_SLICE_BYTES, summedPartStream, sumPart } from "./part_stream.ts";
import type { ChecksumAlgorithm } from "../../backends/types.ts";

const PART = READ_SLICE_BYTES * 3 + 1000;

function pattern(length: number, seed: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * 31 + seed) % 251);
}

async function withFile(bytes: Uint8Array, fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/f`, bytes);
    await fn(`${dir}/f`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function drain(slices: AsyncIterable<Uint8Array>, seen: Uint8Array[] = []) {
  for await (const slice of slices) seen.push(slice.slice());
  return seen;
}

function joined(slices: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(slices.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of slices) (out.set(s, at), at += s.length);
  return out;
}

for (const algorithm of ["crc32", "crc32c", "md5", "sha256", "none"] as ChecksumAlgorithm[]) {
  Deno.test(`a streamed part (${algorithm}) yields its bytes in small slices under its checksum`, async () => {
    const bytes = pattern(PART * 2 + 77, 3);
    await withFile(bytes, async (path) => {
      const source = await openFileSource(path);
      const reader = await source.openReader();
      try {
        const parts = sourceParts(source, PART);
        assertEquals(parts.length, 3);
        for (const part of parts) {
          const expected = bytes.subarray(part.offset, part.offset + part.size);
          const sums = await sumPart(reader, part, algorithm, new Uint8Array(READ_SLICE_BYTES));
          assertEquals(sums.checksum, partChecksum(algorithm, expected));
          const stream = checkedPartStream(reader, part, sums);
          assertEquals(stream.size, part.size);
          const slices = await drain(stream.open(new AbortController().signal));
          assertEquals(joined(slices), expected);
          assertEquals(Math.max(...slices.map((s) => s.length)) <= READ_SLICE_BYTES, true);
          // A second open (a retry) reads the file again and yields the same bytes.
          assertEquals(joined(await drain(stream.open(new AbortController().signal))), expected);
        }
      } finally {
        reader.close();
      }
    });
  });
}

/**
 * A reader that opens the source anew for every pass, as separate runs would: the source's
 * own proof that its file is unchanged (part_source.ts) then cannot see a change between the
 * passes, so these tests reach the send's own check.
 */
function freshReader(open: () => Promise<PartSource>): PartReader {
  return {
    slices: async function* (part, into) {
      const reader = await (await open()).openReader();
      try {
        yield* reader.slices(part, into);
      } finally {
        reader.close();
      }
    },
    close: () => {},
  };
}

async function changedBetweenPasses(
  open: () => Promise<PartSource>,
  change: () => Promise<void>,
) {
  const reader = freshReader(open);
  try {
    const part = sourceParts(await open(), PART)[0];
    const sums = await sumPart(reader, part, "crc32", new Uint8Array(READ_SLICE_BYTES));
    await change();
    const seen: Uint8Array[] = [];
    const stream = checkedPartStream(reader, part, sums);
    await assertRejects(
      () => drain(stream.open(new AbortController().signal), seen),
      NeedsDecisionError,
      /changed between its checksum pass and its send/,
    );
    // The last slice was held back: the send never delivered the whole part.
    assertEquals(joined(seen).length < part.size, true);
    // A new first pass (a --restart) sums the new bytes, and the send then goes through.
    const again = await sumPart(reader, part, "crc32", new Uint8Array(READ_SLICE_BYTES));
    const sent = joined(
      await drain(
        checkedPartStream(reader, part, again).open(
          new AbortController().signal,
        ),
      ),
    );
    assertEquals(partChecksum("crc32", sent), again.checksum);
    return sent;
  } finally {
    reader.close();
  }
}

Deno.test("a file changed between the checksum pass and the send fails the send as a source change", async () => {
  const bytes = pattern(PART, 5);
  await withFile(bytes, async (path) => {
    const open = () => openFileSource(path, { settle: false });
    const sent = await changedBetweenPasses(open, async () => {
      using file = await Deno.open(path, { write: true });
      await file.seek(PART - 10, Deno.SeekMode.Start); // in the last slice
      await file.write(new Uint8Array([1, 2, 3]));
    });
    assertEquals(sent, await Deno.readFile(path));
  });
});

Deno.test("a chunk changed between the checksum pass and the send fails the send as a source change", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/c_1`, pattern(PART, 1));
    await Deno.writeFile(`${dir}/c_2`, pattern(100, 2));
    const open = () => openChunkDirSource(dir, "c_", { settle: false });
    const sent = await changedBetweenPasses(open, async () => {
      using file = await Deno.open(`${dir}/c_1`, { write: true });
      await file.write(new Uint8Array([9, 9])); // in the first slice
    });
    assertEquals(sent, await Deno.readFile(`${dir}/c_1`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file cut short under a streamed part is a source change (exit 4), not a retry", async () => {
  await withFile(pattern(PART, 7), async (path) => {
    const open = () => openFileSource(path, { settle: false });
    const reader = freshReader(open);
    try {
      const part = sourceParts(await open(), PART)[0];
      const sums = await sumPart(reader, part, "crc32", new Uint8Array(READ_SLICE_BYTES));
      await Deno.truncate(path, READ_SLICE_BYTES);
      await assertRejects(
        () => drain(checkedPartStream(reader, part, sums).open(new AbortController().signal)),
        NeedsDecisionError,
        /ended early/,
      );
    } finally {
      reader.close();
    }
  });
});

Deno.test("a summed part is read once: its MD5 and CRC32 are of the bytes the last send yielded", async () => {
  const bytes = pattern(PART * 2, 11); // two parts, each several slices long
  await withFile(bytes, async (path) => {
    const source = await openFileSource(path);
    const reader = await source.openReader();
    try {
      for (const part of sourceParts(source, PART)) {
        const expected = bytes.subarray(part.offset, part.offset + part.size);
        const summed = summedPartStream(reader, part);
        // A send cut short (a reset mid-part) leaves no sums to journal.
        for await (const _ of summed.stream.open(new AbortController().signal)) break;
        assertThrows(() => summed.sums(), Error, /summed over/);
        // The retry reads the file again; its sums are the part's, not the first try's too.
        const sent = joined(await drain(summed.stream.open(new AbortController().signal)));
        assertEquals(sent, expected);
        assertEquals(summed.sums(), {
          md5: partChecksum("md5", expected).value,
          crc32: partChecksum("crc32", expected).value,
        });
      }
    } finally {
      reader.close();
    }
  });
});

Deno.test("a try the request gave up, still read while its retry reads again, adds nothing to the retry's sums", async () => {
  const bytes = pattern(PART, 13);
  await withFile(bytes, async (path) => {
    const source = await openFileSource(path);
    const reader = await source.openReader();
    try {
      const [part] = sourceParts(source, PART);
      const summed = summedPartStream(reader, part);
      // The first try yields one slice, then its retry opens and is read whole...
      const first = summed.stream.open(new AbortController().signal)[Symbol.asyncIterator]();
      await first.next();
      const sent = joined(await drain(summed.stream.open(new AbortController().signal)));
      // ...and only then does the abandoned try read on (an HTTP agent draining its body).
      while (!(await first.next()).done) { /* the old body's slices */ }
      assertEquals(sent, bytes);
      assertEquals(summed.sums(), {
        md5: partChecksum("md5", bytes).value,
        crc32: partChecksum("crc32", bytes).value,
      });
    } finally {
      reader.close();
    }
  });
});
