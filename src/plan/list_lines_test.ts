import { assertEquals } from "../../backends/testing/assert.ts";
import { listLines } from "./list_lines.ts";

async function lines(chunks: Uint8Array[]): Promise<string[]> {
  const found = await Array.fromAsync(listLines(ReadableStream.from(chunks)));
  return found.map((line) => `${line.number}:${new TextDecoder().decode(line.bytes)}`);
}

Deno.test("listLines splits on \\n whatever the chunk boundaries, keeping \\r and a last unended line", async () => {
  const text = new TextEncoder().encode("first\r\n\nthird é\nlast");
  const expected = ["1:first\r", "2:", "3:third é", "4:last"];
  assertEquals(await lines([text]), expected);
  for (let cut = 0; cut <= text.length; cut++) {
    assertEquals(await lines([text.slice(0, cut), text.slice(cut)]), expected, `cut at ${cut}`);
  }
  assertEquals(await lines([...text].map((byte) => new Uint8Array([byte]))), expected);
});

Deno.test("listLines: an empty input has no lines, a final \\n adds none", async () => {
  assertEquals(await lines([]), []);
  assertEquals(await lines([new TextEncoder().encode("a\n")]), ["1:a"]);
  assertEquals(await lines([new TextEncoder().encode("\n")]), ["1:"]);
});
