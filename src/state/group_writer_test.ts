import { assertEquals, assertOk, assertRejects } from "../../backends/testing/assert.ts";
import { type AppendFile, GroupWriter } from "./group_writer.ts";

/** A real file whose writes and syncs are counted, and whose syncs can be held back. */
function counting(gate?: Promise<void>) {
  const counts = { writes: 0, syncs: 0 };
  const wrap = (file: Deno.FsFile): AppendFile => ({
    write: (bytes) => {
      counts.writes++;
      return file.write(bytes);
    },
    syncData: async () => {
      await gate;
      counts.syncs++;
      await file.syncData();
    },
    close: () => file.close(),
  });
  return { counts, wrap };
}

Deno.test("256 concurrent appends go out in a few groups, one sync each, every line once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/j.jsonl`;
    const { counts, wrap } = counting();
    const writer = await GroupWriter.open(path, 0, { wrapFile: wrap });
    const lines = Array.from({ length: 256 }, (_, k) => `{"n":${k}}`);
    // Each appender waits for its line, then appends a second one: a second group.
    await Promise.all(lines.map(async (line) => {
      await writer.append(line);
      await writer.append(line.replace("n", "m"));
    }));
    await writer.close();
    assertEquals(counts.syncs, 2);
    assertEquals(counts.writes, 2);
    const text = await Deno.readTextFile(path);
    const written = text.trimEnd().split("\n");
    assertEquals(written.length, 512);
    assertEquals(new Set(written).size, 512);
    assertEquals(written.slice(0, 256), lines);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an append resolves only after the sync that covers its line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => release = resolve);
    const { wrap } = counting(gate);
    const writer = await GroupWriter.open(`${dir}/j.jsonl`, 0, { wrapFile: wrap });
    let durable = false;
    const appended = writer.append("x").then(() => durable = true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assertEquals(durable, false);
    release();
    await appended;
    assertOk(durable);
    await writer.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed write breaks the writer: that append and every later one reject", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const wrap = (file: Deno.FsFile): AppendFile => ({
      write: () => Promise.reject(new Error("disk full")),
      syncData: () => file.syncData(),
      close: () => file.close(),
    });
    const writer = await GroupWriter.open(`${dir}/j.jsonl`, 0, { wrapFile: wrap });
    writer.enqueue("queued without waiting");
    await assertRejects(() => writer.append("a"), Error, /disk full/);
    await assertRejects(() => writer.append("b"), Error, /disk full/);
    await assertRejects(() => writer.flush(), Error, /disk full/);
    await assertRejects(() => writer.close(), Error, /disk full/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("opening cuts a torn tail at the valid length before appending", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/j.jsonl`;
    await Deno.writeTextFile(path, '{"a":1}\n{"b":');
    const writer = await GroupWriter.open(path, 8);
    await writer.append('{"c":3}');
    await writer.close();
    assertEquals(await Deno.readTextFile(path), '{"a":1}\n{"c":3}\n');
    const created = await GroupWriter.open(`${dir}/new.jsonl`, 0);
    await created.close();
    assertEquals((await Deno.stat(`${dir}/new.jsonl`)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
