import assert from "node:assert/strict";
import { PRESETS } from "./presets.ts";
import { formatBytes } from "./units.ts";
import {
  END_MARKER,
  extractProviderBlock,
  PROVIDERS_DOC,
  renderProviderBlock,
  renderProviderTable,
  replaceProviderBlock,
  START_MARKER,
} from "./provider_table.ts";

Deno.test("docs/providers.md provider block matches the presets (run backends/provider_table.ts)", async () => {
  const doc = await Deno.readTextFile(new URL(PROVIDERS_DOC, import.meta.url));
  assert.equal(
    extractProviderBlock(doc),
    renderProviderBlock(PRESETS),
    "docs/providers.md is stale: run `deno run -A backends/provider_table.ts`",
  );
});

Deno.test("renderProviderTable has a header, a separator and one row per preset", () => {
  const lines = renderProviderTable(PRESETS).trimEnd().split("\n");
  assert.equal(lines.length, PRESETS.length + 2);
  for (const line of lines) {
    assert.match(line, /^\| .* \|$/);
    assert.equal(line.length, lines[0].length, "columns are padded to one width");
  }
  const rows = lines.map((line) => line.slice(2, -2).split(" | ").map((cell) => cell.trim()));
  const row = (name: string) => rows.find((cells) => cells[1] === `\`${name}\``);
  assert.deepEqual(rows[2], [
    "Amazon S3",
    "`aws`",
    "no endpoint, host",
    "`https://s3.{region}.amazonaws.com`",
    "no",
    "5 MiB",
    "5 GiB",
    "10,000",
    "no",
    "CRC32 trailer (verified), read once",
    "CRC32 full object",
    "yes",
    "no automatic purge documented",
  ]);
  assert.deepEqual(row("r2")?.slice(8), [
    "yes",
    "none, MD5 vs ETag, read once",
    "multipart MD5 ETag",
    "yes",
    "7 days",
  ]);
  assert.equal(row("gcs")?.[9], "Content-MD5 (verified), read twice");
  assert.equal(row("scaleway")?.[9], "CRC32 header (verified), read twice");
  assert.equal(row("minio")?.[2], "host, `Server: MinIO`");
  assert.equal(row("garage")?.[2], "`--provider` only");
  assert.equal(row("storj")?.[5], "5 MiB (64 MiB recommended)");
  assert.deepEqual(row("scaleway")?.slice(6, 8), ["5 GB", "1,000"]);
  assert.equal(row("minio")?.[12], "24 h");
});

Deno.test("replaceProviderBlock swaps only the text between the markers", () => {
  const readme = `# Title\n\nIntro.\n\n${START_MARKER}\nold table\n${END_MARKER}\n\nAfter.\n`;
  const updated = replaceProviderBlock(readme, "new table\n");
  assert.equal(
    updated,
    `# Title\n\nIntro.\n\n${START_MARKER}\nnew table\n${END_MARKER}\n\nAfter.\n`,
  );
  assert.equal(extractProviderBlock(updated), "new table\n");
  assert.equal(replaceProviderBlock(updated, "new table\n"), updated);
});

Deno.test("replaceProviderBlock explains missing markers", () => {
  assert.throws(() => replaceProviderBlock("# No markers\n", "x"), /has no .* block/);
  assert.throws(() => extractProviderBlock(`${END_MARKER}\n${START_MARKER}\n`), /has no/);
});

Deno.test("formatBytes exact picks the largest exact unit", () => {
  const cases: [number, string][] = [
    [5 * 1024 ** 2, "5 MiB"],
    [64 * 1024 ** 2, "64 MiB"],
    [5 * 1024 ** 3, "5 GiB"],
    [5 * 1024 ** 4, "5 TiB"],
    [5_000_000_000, "5 GB"],
    [5_000_000_000_000, "5 TB"],
    [5_000_000, "5 MB"],
    [1536, "1.5 KiB"],
    [100, "100 B"],
  ];
  for (const [bytes, expected] of cases) assert.equal(formatBytes(bytes, "exact"), expected);
});
