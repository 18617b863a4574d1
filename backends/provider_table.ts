/**
 * Renders the "Supported providers" table of docs/providers.md from the presets, so the
 * documentation cannot drift from the code. Run it to rewrite that block:
 *
 *     deno run -A backends/provider_table.ts
 *
 * backends/provider_table_test.ts fails when the block in docs/providers.md is stale.
 */
import { PRESETS, type ProviderPreset } from "./presets.ts";
import { formatBytes } from "./units.ts";

/** Marker lines that delimit the generated block in docs/providers.md. */
export const START_MARKER = "<!-- providers:start -->";
/** See {@link START_MARKER}. */
export const END_MARKER = "<!-- providers:end -->";
/** The document that holds the generated block, relative to this module. */
export const PROVIDERS_DOC = "../docs/providers.md";

const COLUMNS = [
  "Provider",
  "`--provider`",
  "Recognised by",
  "Endpoint",
  "Path-style",
  "Min part",
  "Max part",
  "Max parts",
  "Equal parts",
  "Checksum sent",
  "Whole-object proof",
  "ETag is MD5",
  "Unfinished uploads purged after",
];

/**
 * A Markdown table of the presets, one row each, padded the way `deno fmt` pads tables so
 * docs/providers.md stays format-clean. Ends with a newline.
 */
export function renderProviderTable(presets: readonly ProviderPreset[]): string {
  const rows = presets.map((preset) =>
    [
      preset.title,
      `\`${preset.name}\``,
      recognisedCell(preset),
      endpointCell(preset),
      yesNo(preset.forcePathStyle),
      minPartCell(preset),
      formatBytes(preset.limits.maxPartSize, "exact"),
      preset.limits.maxParts.toLocaleString("en-US"),
      yesNo(preset.limits.equalPartSizes),
      checksumCell(preset),
      objectProofCell(preset),
      yesNo(preset.etagIsMd5),
      ttlCell(preset.unfinishedUploadTtlHours),
    ].map(escapeCell)
  );
  const widths = COLUMNS.map((title, i) =>
    Math.max(title.length, 3, ...rows.map((row) => row[i].length))
  );
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(COLUMNS), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") +
    "\n";
}

/**
 * Everything between the markers: a do-not-edit note, the table, a legend and the
 * sources of every value. Every prose line stays under 100 columns so `deno fmt` keeps it.
 */
export function renderProviderBlock(presets: readonly ProviderPreset[]): string {
  const sources = presets.flatMap((preset) => [
    `- ${preset.title}:`,
    ...preset.docs.map((url) => `  - <${url}>`),
  ]);
  const legend = [
    "`--provider NAME` picks a row; without it s3mpu recognises the endpoint's host, else asks " +
    "a store given by address (localhost, IP addresses, unknown hosts) with one HeadBucket and " +
    "takes the row whose `Server` header it sends (_Recognised by_), else `generic`; the choice " +
    "is recorded in the meta file and a resume keeps it. `verify` asks the same way, so the " +
    "row's stored checksum and ETag rules decide its verdict; `status` and `abort` use the " +
    "provider the meta file recorded.",
    "_Checksum sent_ is what s3mpu sends with every part, and how often the part is read from " +
    "the file; _verified_ means the provider documents that it rejects a part whose checksum " +
    "does not match. _None, MD5 vs ETag_: no checksum header; the MD5 summed as the part " +
    "leaves is compared with the part's ETag, and a part whose ETag is another MD5 is sent " +
    "again (docs/guarantees.md).",
    "_Whole-object proof_ is what s3mpu checks after Complete before it exits 0 " +
    "(docs/guarantees.md).",
    "_ETag is MD5_: part ETags are MD5s of the parts and a finished upload's ETag is the MD5 of " +
    "those MD5s plus `-N`, so s3mpu can check a completed upload.",
    "GB and TB are decimal where the provider's documentation does not say which unit it means.",
  ];
  return [
    "<!-- Generated from backends/presets.ts by backends/provider_table.ts; do not edit. -->",
    "",
    renderProviderTable(presets).trimEnd(),
    "",
    ...legend.flatMap((item) => wrapListItem(item)),
    "",
    "Sources:",
    "",
    ...sources,
    "",
    "",
  ].join("\n");
}

/** Greedy word wrap of a "- " list item at 100 columns, as `deno fmt` does; code spans stay whole. */
function wrapListItem(text: string, width = 100): string[] {
  const words = text.match(/(?:`[^`]*`|[^\s`])+/g) ?? [];
  const lines: string[] = [];
  let line = "-";
  for (const word of words) {
    if (line.length + 1 + word.length > width && line.trim() !== "-") {
      lines.push(line);
      line = " ";
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** Returns `readme` with the text between the markers replaced by `block`. */
export function replaceProviderBlock(readme: string, block: string): string {
  const { start, end } = markerOffsets(readme);
  return `${readme.slice(0, start)}\n${block}${readme.slice(end)}`;
}

/** The text between the markers of `readme`, without the newline after the start marker. */
export function extractProviderBlock(readme: string): string {
  const { start, end } = markerOffsets(readme);
  return readme.slice(start, end).replace(/^\n/, "");
}

function markerOffsets(readme: string): { start: number; end: number } {
  const startAt = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (startAt < 0 || end < 0 || end < startAt) {
    throw new Error(
      `docs/providers.md has no "${START_MARKER}" ... "${END_MARKER}" block: add both marker ` +
        "lines where the provider table belongs.",
    );
  }
  return { start: startAt + START_MARKER.length, end };
}

function endpointCell(preset: ProviderPreset): string {
  const { template, required } = preset.endpoint;
  if (!template) return "your server's URL (`--endpoint` required)";
  return required ? `\`${template}\` (\`--endpoint\` required)` : `\`${template}\``;
}

function minPartCell(preset: ProviderPreset): string {
  const min = formatBytes(preset.limits.minPartSize, "exact");
  const recommended = preset.recommendedPartSize;
  return recommended ? `${min} (${formatBytes(recommended, "exact")} recommended)` : min;
}

/** What proves the whole object after Complete (docs/guarantees.md). */
function objectProofCell(preset: ProviderPreset): string {
  const { partChecksum, fullObjectChecksum } = preset.checksum;
  if (partChecksum !== "md5" && partChecksum !== "none") {
    return `${partChecksum.toUpperCase()} ${fullObjectChecksum ? "full object" : "composite"}`;
  }
  return preset.etagIsMd5 ? "multipart MD5 ETag" : "part ETags (weaker)";
}

function checksumCell(preset: ProviderPreset): string {
  const { partChecksum, contentMd5Verified, md5Header, trailingChecksum } = preset.checksum;
  switch (partChecksum) {
    case "none":
      return "none, read once";
    case "md5":
      if (!md5Header) return "none, MD5 vs ETag, read once";
      return contentMd5Verified
        ? "Content-MD5 (verified), read twice"
        : "Content-MD5 (verification undocumented), read twice";
    default:
      // Flexible checksums are sent only where the provider verifies them.
      return trailingChecksum
        ? `${partChecksum.toUpperCase()} trailer (verified), read once`
        : `${partChecksum.toUpperCase()} header (verified), read twice`;
  }
}

/** How s3mpu tells the store without --provider: its host names, its Server header. */
function recognisedCell(preset: ProviderPreset): string {
  const { hostPatterns, serverHeader } = preset.endpoint;
  const ways = [
    ...(preset.name === "aws" ? ["no endpoint"] : []),
    ...(hostPatterns.length > 0 ? ["host"] : []),
    ...(serverHeader
      ? [`\`Server: ${serverHeader.source.replace(/^\^/, "").replace(/\\b$/, "")}\``]
      : []),
  ];
  return ways.join(", ") || (preset.name === "generic" ? "anything else" : "`--provider` only");
}

function ttlCell(hours: number | null): string {
  if (hours === null) return "no automatic purge documented";
  if (hours % 24 === 0) return hours === 24 ? "24 h" : `${hours / 24} days`;
  return `${hours} h`;
}

function yesNo(value: boolean): string {
  return value ? "yes" : "no";
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|");
}

if (import.meta.main) {
  const docUrl = new URL(PROVIDERS_DOC, import.meta.url);
  const doc = await Deno.readTextFile(docUrl);
  const updated = replaceProviderBlock(doc, renderProviderBlock(PRESETS));
  if (updated === doc) {
    console.log("docs/providers.md provider table is up to date.");
  } else {
    await Deno.writeTextFile(docUrl, updated);
    console.log("Rewrote the provider table in docs/providers.md.");
  }
}
