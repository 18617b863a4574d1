/**
 * Turns the benchmark's raw runs into bench-results/NAME.{md,json} (NAME defaults to latest), plus
 * timestamped copies.
 *
 *   deno run --allow-read --allow-write scripts/bench/summarize.ts META.json RUNS.jsonl OUT_DIR [NAME]
 *
 * Per tool: median and min–max of wall time, client CPU (user+system), peak RSS and server
 * CPU over the successful runs; throughput from the median wall time; CPU per GiB; and the
 * ratio of each median to s3mpu's. Then the project's performance targets, checked.
 */

interface Run {
  tool: string;
  run: number;
  wallS: number;
  userS: number;
  sysS: number;
  cpuS: number;
  maxRssMiB: number;
  serverCpuS: number;
  otherCpuS?: number;
  ok: boolean;
  error?: string;
}

interface Meta {
  stamp: string;
  sizeBytes: number;
  partMiB: number;
  concurrency: number;
  runs: number;
  server: string;
  loadBefore: string;
  machine: Record<string, unknown>;
  tools: Record<string, { version: string; skipped: string | null }>;
}

interface Stat {
  median: number;
  min: number;
  max: number;
}

interface ToolRow {
  tool: string;
  kind: string;
  version: string;
  skipped: string | null;
  runsOk: number;
  runsFailed: number;
  errors: string[];
  wallS?: Stat;
  cpuS?: Stat;
  userS?: Stat;
  sysS?: Stat;
  maxRssMiB?: Stat;
  serverCpuS?: Stat;
  otherCpuS?: Stat;
  throughputMiBps?: number;
  cpuSPerGiB?: number;
  wallRatio?: number;
  /** Median over rounds of this tool's wall time over s3mpu's in the same round. */
  pairedWallRatio?: number;
  cpuRatio?: number;
}

const KIND: Record<string, string> = {
  "s3mpu": "s3mpu",
  "s3mpu-minio": "s3mpu variant",
  "s3mpu-v8default": "s3mpu variant",
  "s3mpu-nofsync": "s3mpu variant",
  "s3mpu-fetch": "s3mpu variant",
  "s3mpu-md5": "s3mpu variant",
  aws: "Python",
  "lib-storage": "JS",
  rclone: "Go",
  s5cmd: "Go",
  mc: "Go",
  curl: "ceiling (one PUT)",
};

const NOTE: Record<string, string> = {
  "s3mpu":
    "--endpoint-url only (the store recognised by its Server header): trailing CRC32 per part, unsigned part payloads on loopback, node:http, fsync per part",
  "s3mpu-minio": "--provider minio: the same without the detection request",
  "s3mpu-v8default": "without --v8-flags=--max-semi-space-size=1 (which the binary has)",
  "s3mpu-nofsync": "S3MPU_BENCH_NO_FSYNC=1",
  "s3mpu-fetch": "S3MPU_HTTP_HANDLER=fetch",
  "s3mpu-md5": "--provider generic: no checksum header, MD5 and CRC32 summed as the part leaves",
  aws: "s3 cp; chunksize/concurrency via AWS_CONFIG_FILE",
  rclone: "copyto; s3 chunk 16M, 4 streams",
  s5cmd: "cp --concurrency --part-size",
  mc: "put -P -s",
  "lib-storage": "Upload(partSize, queueSize), SDK defaults (CRC32)",
  curl: "single PUT, UNSIGNED-PAYLOAD: server ingest ceiling",
};

function stat(values: number[]): Stat | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

const [metaPath, runsPath, outDir, name = "latest"] = Deno.args;
if (!outDir) {
  console.error("usage: summarize.ts META.json RUNS.jsonl OUT_DIR");
  Deno.exit(2);
}
const meta: Meta = JSON.parse(await Deno.readTextFile(metaPath));
const runs: Run[] = (await Deno.readTextFile(runsPath)).split("\n").filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const gib = meta.sizeBytes / 2 ** 30;
const mib = meta.sizeBytes / 2 ** 20;

const rows: ToolRow[] = Object.entries(meta.tools).map(([tool, info]) => {
  const mine = runs.filter((r) => r.tool === tool);
  const ok = mine.filter((r) => r.ok);
  const row: ToolRow = {
    tool,
    kind: KIND[tool] ?? (tool.startsWith("s3mpu-") ? "s3mpu variant" : ""),
    version: info.version,
    skipped: info.skipped,
    runsOk: ok.length,
    runsFailed: mine.length - ok.length,
    errors: mine.filter((r) => !r.ok).map((r) => `run ${r.run}: ${r.error}`),
  };
  if (ok.length > 0) {
    row.wallS = stat(ok.map((r) => r.wallS));
    row.cpuS = stat(ok.map((r) => r.cpuS));
    row.userS = stat(ok.map((r) => r.userS));
    row.sysS = stat(ok.map((r) => r.sysS));
    row.maxRssMiB = stat(ok.map((r) => r.maxRssMiB));
    row.serverCpuS = stat(ok.map((r) => r.serverCpuS));
    row.otherCpuS = stat(ok.map((r) => r.otherCpuS ?? 0));
    row.throughputMiBps = mib / row.wallS!.median;
    row.cpuSPerGiB = row.cpuS!.median / gib;
  }
  return row;
});
const base = rows.find((r) => r.tool === "s3mpu" && r.wallS);
for (const row of rows) {
  if (!base || !row.wallS) continue;
  row.wallRatio = row.wallS.median / base.wallS!.median;
  row.cpuRatio = row.cpuS!.median / base.cpuS!.median;
}

const f = (n: number | undefined, d = 2) => n === undefined ? "–" : n.toFixed(d);
const spread = (s: Stat | undefined, d = 2) =>
  s ? `${f(s.median, d)} (${f(s.min, d)}–${f(s.max, d)})` : "–";

// --- targets ---------------------------------------------------------------------------------
/** Median over rounds of wall(a) / wall(b) in the same round: robust to load drifting. */
function pairedWallRatio(a: string, b: string): { median: number; rounds: number } | undefined {
  const ratios: number[] = [];
  for (const ra of runs.filter((r) => r.tool === a && r.ok)) {
    const rb = runs.find((r) => r.tool === b && r.ok && r.run === ra.run);
    if (rb) ratios.push(ra.wallS / rb.wallS);
  }
  const s = stat(ratios);
  return s ? { median: s.median, rounds: ratios.length } : undefined;
}
for (const row of rows) {
  if (base && row.wallS && row !== base) {
    row.pairedWallRatio = pairedWallRatio(row.tool, "s3mpu")?.median;
  }
}

interface Target {
  target: string;
  /** One entry per subject (s3mpu). */
  results: Record<string, { measured: string; met: boolean | null }>;
}
const targets: Target[] = [];
const subjects = ["s3mpu"].map((t) => rows.find((r) => r.tool === t && r.wallS))
  .filter((r): r is ToolRow => r !== undefined);
const addTarget = (
  target: string,
  check: (s: ToolRow) => { measured: string; met: boolean | null } | undefined,
) => {
  const results: Target["results"] = {};
  for (const subject of subjects) {
    const r = check(subject);
    if (r) results[subject.tool] = r;
  }
  if (Object.keys(results).length > 0) targets.push({ target, results });
};
// The targets of docs/performance.md, against s5cmd in the same run (paired by round).
const s5cmd = rows.find((r) => r.tool === "s5cmd" && r.wallS);
const https = /over HTTPS/.test(meta.server);
const wallCap = https ? 0.9 : 0.8;
addTarget(`wall ≤ ${wallCap} × s5cmd's (${https ? "HTTPS" : "HTTP"})`, (s) => {
  const p = s5cmd ? pairedWallRatio(s.tool, "s5cmd") : undefined;
  if (!p) return undefined;
  return {
    measured: `${f(s.wallS!.median)} s vs ${f(s5cmd!.wallS!.median)} s: ${
      f(p.median)
    }× (median of ${p.rounds} paired rounds)`,
    met: p.median <= wallCap,
  };
});
addTarget("client CPU ≤ 0.5 × s5cmd's", (s) =>
  s5cmd
    ? {
      measured: `${f(s.cpuSPerGiB)} vs ${f(s5cmd.cpuSPerGiB)} s/GiB = ${
        f(s.cpuS!.median / s5cmd.cpuS!.median)
      }×`,
      met: s.cpuS!.median <= 0.5 * s5cmd.cpuS!.median,
    }
    : undefined);
addTarget(
  "peak RSS ≤ 96 MiB",
  (s) => ({ measured: `max ${f(s.maxRssMiB!.max, 1)} MiB`, met: s.maxRssMiB!.max <= 96 }),
);
addTarget("journal fsync costs < 3 % of wall time", (s) => {
  const p = pairedWallRatio(s.tool, `${s.tool}-nofsync`);
  if (!p) return undefined;
  const pct = (p.median - 1) * 100;
  return {
    measured: `${pct >= 0 ? "+" : ""}${
      f(pct, 1)
    } % (median of ${p.rounds} paired rounds vs ${s.tool}-nofsync)`,
    met: pct < 3,
  };
});

// --- Markdown --------------------------------------------------------------------------------
const m = meta.machine as Record<string, string | number>;
const lines: string[] = [];
lines.push(
  `# s3mpu upload benchmark (${meta.stamp})`,
  "",
  `${
    f(gib, 2)
  } GiB file (${meta.sizeBytes} bytes, random), ${meta.partMiB} MiB parts, ${meta.concurrency} in flight, ` +
    `${meta.runs} runs per tool interleaved round-robin; to ${meta.server} on 127.0.0.1. ` +
    `Machine: ${m.nproc} × ${m.cpuModel}, ${m.memGiB} GiB RAM, ${m.os}, kernel ${m.kernel}, disk ${m.disk}. ` +
    `Load average before: ${meta.loadBefore}.`,
  "",
  "Median (min–max). CPU = user+system of the client process tree (GNU time); RSS = max RSS " +
    "of its largest process; server CPU = MinIO's user+system during the run; other CPU = what " +
    "the rest of the machine used meanwhile (noise: the machine is shared). Ratios are the " +
    "tool's median over s3mpu's (below 1 = the tool is faster / cheaper).",
  "",
  "| Tool | Kind | Wall s | MiB/s | Client CPU s | CPU s/GiB | Peak RSS MiB | Server CPU s | Other CPU s | Wall ÷ s3mpu | CPU ÷ s3mpu | Runs ok |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|",
);
for (const r of rows) {
  if (!r.wallS) {
    const why = r.skipped ? `skipped: ${r.skipped}` : `failed: ${r.errors.join("; ")}`;
    lines.push(`| ${r.tool} | ${r.kind} | ${why.replaceAll("|", "\\|")} |||||||||| 0 |`);
    continue;
  }
  lines.push(
    `| ${r.tool} | ${r.kind} | ${spread(r.wallS)} | ${f(r.throughputMiBps, 0)} | ${
      spread(r.cpuS)
    } | ${f(r.cpuSPerGiB)} | ${spread(r.maxRssMiB, 0)} | ${spread(r.serverCpuS)} | ${
      spread(r.otherCpuS)
    } | ${f(r.wallRatio)} | ${f(r.cpuRatio)} | ${r.runsOk}/${r.runsOk + r.runsFailed} |`,
  );
}
lines.push("", "Tools and settings:", "");
for (const r of rows) {
  lines.push(`- **${r.tool}**: ${r.version || "?"}${NOTE[r.tool] ? ` — ${NOTE[r.tool]}` : ""}`);
}
const failures = rows.filter((r) => r.errors.length > 0);
if (failures.length > 0) {
  lines.push("", "Failed runs:", "");
  for (const r of failures) for (const e of r.errors) lines.push(`- ${r.tool} ${e}`);
}
if (targets.length > 0) {
  const names = subjects.map((s) => s.tool);
  lines.push(
    "",
    "Targets (s3mpu as shipped):",
    "",
    `| Target | ${names.map((n) => `${n} | met`).join(" | ")} |`,
    `|---|${names.map(() => "---|---|").join("")}`,
  );
  for (const t of targets) {
    const cells = names.map((n) => {
      const r = t.results[n];
      return r ? `${r.measured} | ${r.met === null ? "n/a" : r.met ? "yes" : "**no**"}` : "– | –";
    });
    lines.push(`| ${t.target} | ${cells.join(" | ")} |`);
  }
}
lines.push("", "Reproduce: `deno task bench` (settings: see scripts/bench.sh).", "");

const md = lines.join("\n");
const json = JSON.stringify({ ...meta, results: rows, targets, rawRuns: runs }, null, 2) + "\n";
await Deno.mkdir(outDir, { recursive: true });
for (const base of [name, `${name === "latest" ? "" : `${name}-`}${meta.stamp}`]) {
  await Deno.writeTextFile(`${outDir}/${base}.md`, md);
  await Deno.writeTextFile(`${outDir}/${base}.json`, json);
}
