import { assertEquals, assertOk } from "../../backends/testing/assert.ts";
import { JournalWriter, parseJournal, readJournal } from "./parts_journal.ts";

const UPLOAD =
  "OQBrK98WoGKAzzd1NxXyimERi2gJR.hSo5Cn1_nETKIj6VCxI5y33HGX5rciJe_FAPxCxKuYjIQ_qDfptl1EoDb2v39rWIIrOb0QZpdLsG7i.cQr6j6w0OiujFraIay7.6peX7A_WWTv1kHniysEfA--";

// Verbatim lines from the seed's README: unquoted ETags, out of order, ", " separators.
const SEED_LINES = [
  `{"eTag": "5ca0dc854f8e8b356b0049144ed63056", "partNumber": 1, "uploadId": "${UPLOAD}"}`,
  `{"eTag": "816c6ad180293f4cd937fc40bef4a4b5", "partNumber": 111, "uploadId": "${UPLOAD}"}`,
  `{"eTag": "ac44217ac0c2b217a62a82b2fd45409e", "partNumber": 2, "uploadId": "${UPLOAD}"}`,
];

Deno.test("parseJournal reads the seed's format, out of order", () => {
  const text = SEED_LINES.join("\n") + "\n";
  const { parts, warnings } = parseJournal(text, UPLOAD, text.length);
  assertEquals([...parts.keys()].sort((a, b) => a - b), [1, 2, 111]);
  assertEquals(parts.get(111)?.eTag, "816c6ad180293f4cd937fc40bef4a4b5");
  assertEquals(warnings, []);
});

Deno.test("parseJournal strips quotes from ETags and keeps our extra keys", () => {
  const line = JSON.stringify({
    eTag: '"abc"',
    partNumber: 3,
    uploadId: "u",
    size: 10,
    offset: 20,
    checksum: "AAAA",
  });
  const { parts } = parseJournal(line + "\n", "u", line.length + 1);
  assertEquals(parts.get(3), {
    eTag: "abc",
    partNumber: 3,
    uploadId: "u",
    size: 10,
    offset: 20,
    checksum: "AAAA",
  });
});

Deno.test("parseJournal ignores a torn last line and reports where the valid prefix ends", () => {
  const good = SEED_LINES[0] + "\n";
  const text = good + `{"eTag": "ff", "partNum`;
  const { parts, warnings, validLength } = parseJournal(text, UPLOAD, text.length);
  assertEquals([...parts.keys()], [1]);
  assertEquals(validLength, good.length);
  assertOk(warnings[0].includes("torn"));
});

Deno.test("parseJournal skips other upload ids and garbage lines with warnings", () => {
  const text = [
    `{"eTag":"a","partNumber":1,"uploadId":"other"}`,
    `not json`,
    `{"eTag":"b","partNumber":0,"uploadId":"u"}`,
    `{"eTag":"c","partNumber":2,"uploadId":"u"}`,
    `{"eTag":"d","partNumber":2,"uploadId":"u"}`,
  ].join("\n") + "\n";
  const { parts, warnings } = parseJournal(text, "u", text.length);
  assertEquals([...parts.entries()].map(([n, e]) => [n, e.eTag]), [[2, "d"]]);
  assertEquals(warnings.length, 3);
});

Deno.test("JournalWriter appends whole lines, cuts a torn tail, creates the file 0600", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/parts.jsonl`;
  await Deno.writeTextFile(path, SEED_LINES[0] + "\n" + `{"eTag": "torn`);
  const before = await readJournal(path, UPLOAD);
  const writer = await JournalWriter.open(path, before.validLength);
  await Promise.all(
    [2, 3, 4].map((n) =>
      writer.append({ eTag: `e${n}`, partNumber: n, uploadId: UPLOAD, size: 5 })
    ),
  );
  await writer.close();
  const after = await readJournal(path, UPLOAD);
  assertEquals([...after.parts.keys()].sort(), [1, 2, 3, 4]);
  assertEquals(after.warnings, []);
  const fresh = `${dir}/new.jsonl`;
  await (await JournalWriter.open(fresh, 0)).close();
  if (Deno.build.os !== "windows") assertEquals((await Deno.stat(fresh)).mode! & 0o777, 0o600);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readJournal of a missing file is empty", async () => {
  const contents = await readJournal("/nonexistent/dir/parts.jsonl", "u");
  assertEquals(contents.parts.size, 0);
});
