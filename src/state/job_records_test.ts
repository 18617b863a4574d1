import { assertEquals } from "../../backends/testing/assert.ts";
import { encodeRecord, type JobRecord, parseRecord } from "./job_records.ts";

const EXAMPLES: JobRecord[] = [
  { t: "h", v: 1, g: 2, b: 1 },
  { t: "f", i: 12, p: "a/b.jpg", s: 123, m: 1765126974968, c: 1765126974000, n: 5319186 },
  { t: "f", i: 13, p: "a/c", s: 0, m: 1, c: 1, n: 2, k: 40, st: "d" },
  { t: "k", k: "a/z" },
  { t: "w", n: 14 },
  {
    t: "u",
    i: 12,
    u: "up-1",
    z: 8388608,
    a: "crc32",
    y: "FULL_OBJECT",
    at: 1,
    r: { partCount: 3 },
  },
  { t: "p", i: 12, n: 1, e: "etag", z: 8388608, o: 0, h: "gQ+a5Q==", q: "gQ+a5Q==", at: 2 },
  { t: "c", i: 12, at: 3 },
  { t: "d", i: 12, e: "etag-3", v: "v1", pf: "full-object-crc32" },
  { t: "e", i: 13, code: "network", x: 3, msg: "Connection reset." },
  { t: "s", i: 14, r: "exists" },
  { t: "a", p: "a/b.jpg", u: "up-1", i: 12 },
  { t: "r", u: "up-1" },
  { t: "z" },
];

Deno.test("every record type reads back as written", () => {
  for (const record of EXAMPLES) assertEquals(parseRecord(encodeRecord(record)), record);
});

Deno.test("lines that are not records are refused", () => {
  for (
    const line of [
      "",
      "[]",
      "null",
      '{"t":"f","i":1,"p":"a","s":1,"m":1,"c":1}', // no inode
      '{"t":"f","i":-1,"p":"a","s":1,"m":1,"c":1,"n":1}',
      '{"t":"p","i":1,"n":0,"e":"x"}', // part 0
      '{"t":"s","i":1,"r":"maybe"}',
      '{"t":"q"}',
      '{"t":"d","i":1',
    ]
  ) {
    assertEquals(parseRecord(line), undefined, line);
  }
});

Deno.test("a stored small file costs under 200 bytes plus its path", () => {
  const path = "dir0001/file000123.jpg";
  const found = encodeRecord({
    t: "f",
    i: 999999,
    p: path,
    s: 123456789,
    m: 1765126974968,
    c: 1765126974000,
    n: 123456789,
  });
  const done = encodeRecord({
    t: "d",
    i: 999999,
    e: "d41d8cd98f00b204e9800998ecf8427e",
    pf: "full-object-crc32",
  });
  const bytes = found.length + done.length + 2 - path.length;
  assertEquals(bytes < 200, true, `${bytes} bytes`);
});
