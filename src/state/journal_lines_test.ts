import { assertEquals } from "../../backends/testing/assert.ts";
import { journalLines } from "./journal_lines.ts";

async function collect(path: string, limit?: number) {
  const lines = [];
  for await (const batch of journalLines(path, limit)) lines.push(...batch);
  return lines;
}

Deno.test("lines across 64 KiB chunk boundaries, multi-byte characters included, with offsets", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/j.jsonl`;
    // Lines of many lengths with a 3-byte character, so some straddle a chunk boundary.
    const texts = Array.from({ length: 3000 }, (_, k) => "€".repeat(k % 97) + `#${k}`);
    const bytes = new TextEncoder().encode(texts.join("\n") + "\n");
    await Deno.writeFile(path, bytes);
    const lines = await collect(path);
    assertEquals(lines.map((l) => l.text), texts);
    let offset = 0;
    for (const line of lines) {
      assertEquals(line.start, offset);
      offset = line.end;
    }
    assertEquals(offset, bytes.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a torn tail is never yielded; invalid UTF-8 is yielded as undefined; limit stops early", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/j.jsonl`;
    await Deno.writeFile(
      path,
      new Uint8Array([...new TextEncoder().encode("ok\n"), 0xff, 0x0a, 0x61, 0x62]),
    );
    assertEquals((await collect(path)).map((l) => l.text), ["ok", undefined]);
    assertEquals((await collect(path, 3)).map((l) => l.text), ["ok"]);
    assertEquals((await collect(path, 2)).map((l) => l.text), []);
    assertEquals(await collect(`${dir}/missing`), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
