/**
 * Benchmark of --limit-rate (issue 13): is the achieved rate within ±10 % of the set rate
 * over at least 30 s, and is it smooth? And what does feeding part bodies in slices (which
 * byte progress and the limit need) cost when no limit is set?
 *
 *   deno run -A scripts/bench/limit_rate.ts                 # 20 MiB/s for ~40 s, 3 cost runs
 *   BENCH_LIMIT_RATE=8MiB BENCH_LIMIT_SECONDS=60 deno run -A scripts/bench/limit_rate.ts
 *
 * Starts its own MinIO on loopback (the binary scripts/ensure_minio.sh builds), runs the CLI
 * from the working tree, and writes bench-results/limit-rate.md and .json.
 *
 * Rate: the file's size over the upload's own `seconds` (--json), and per-5 s windows from
 * the plain progress lines (S3MPU_PROGRESS_INTERVAL=1), whose byte counts have three
 * significant digits.
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { minioClient, startMinio } from "../../tests/support/tls.ts";

const MiB = 1024 * 1024;
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const root = new URL("../..", import.meta.url).pathname;
const rateText = Deno.env.get("BENCH_LIMIT_RATE") ?? "20MiB";
const rate = Number(/^(\d+)MiB$/.exec(rateText)?.[1] ?? NaN) * MiB;
if (!Number.isFinite(rate)) throw new Error("BENCH_LIMIT_RATE takes N MiB, e.g. 20MiB");
const seconds = Number(Deno.env.get("BENCH_LIMIT_SECONDS") ?? "40");
const costRuns = Number(Deno.env.get("BENCH_COST_RUNS") ?? "3");
const costSize = 512 * MiB;
const threads = 4;

const work = await Deno.makeTempDir({ dir: `${root}.cache`, prefix: "bench-limit-" });
const server = await startMinio(work);
const env = {
  AWS_ACCESS_KEY_ID: server.accessKeyId,
  AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
  AWS_REGION: "us-east-1",
  AWS_ENDPOINT_URL: server.url,
  NO_COLOR: "1",
};
const client = minioClient(server);
await client.send(new CreateBucketCommand({ Bucket: "bench" }));
client.destroy();

async function makeFile(size: number): Promise<string> {
  const path = `${work}/source-${size}.bin`;
  const file = await Deno.open(path, { write: true, create: true });
  const chunk = new Uint8Array(MiB);
  for (let done = 0; done < size; done += chunk.length) {
    for (let i = 0; i < chunk.length; i += 65536) {
      crypto.getRandomValues(chunk.subarray(i, i + 65536));
    }
    await file.write(chunk.subarray(0, Math.min(chunk.length, size - done)));
  }
  file.close();
  return path;
}

async function upload(path: string, key: string, extra: string[], extraEnv = {}) {
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      MAIN,
      "upload",
      path,
      `s3://bench/${key}`,
      "-t",
      `${threads}`,
      "-s",
      "16MiB",
      "--provider",
      "minio",
      "--json",
      ...extra,
    ],
    env: { ...env, ...extraEnv },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = (performance.now() - started) / 1000;
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`upload failed (${out.code}): ${stderr}`);
  return { result: JSON.parse(new TextDecoder().decode(out.stdout)), stderr, wall };
}

const UNIT: Record<string, number> = { B: 1, KiB: 1024, MiB: MiB, GiB: 1024 * MiB };

/** Rates over 5 s windows from the progress lines' timestamps and byte counts. */
function windows(stderr: string): number[] {
  const points = [...stderr.matchAll(
    /\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) INFO\] Progress: \d+% \(([\d.]+) (B|KiB|MiB|GiB) of/g,
  )].map((m) => ({
    t: Date.parse(m[1].replace(" ", "T")) / 1000,
    bytes: Number(m[2]) * UNIT[m[3]],
  }));
  const out: number[] = [];
  for (let i = 0, j = 0; j < points.length; j++) {
    if (points[j].t - points[i].t >= 5) {
      out.push((points[j].bytes - points[i].bytes) / (points[j].t - points[i].t));
      i = j;
    }
  }
  return out;
}

try {
  // 1. The limit: a file that takes `seconds` at the set rate.
  const size = Math.round((rate * seconds) / MiB) * MiB;
  const path = await makeFile(size);
  const limited = await upload(path, "limited.bin", ["--limit-rate", rateText], {
    S3MPU_PROGRESS_INTERVAL: "1",
  });
  const achieved = size / limited.result.seconds;
  const deviation = (achieved / rate - 1) * 100;
  const perWindow = windows(limited.stderr);
  // 2. The cost of slicing: no limit, bodies whole (never) or in 64 KiB slices (always).
  const costPath = await makeFile(costSize);
  const cost: Record<string, number[]> = { never: [], always: [] };
  for (let run = 0; run < costRuns; run++) {
    for (const pace of ["never", "always"]) {
      const r = await upload(costPath, `cost-${pace}-${run}.bin`, [], { S3MPU_BENCH_PACE: pace });
      cost[pace].push(r.result.seconds);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (bytesPerSecond: number) => `${(bytesPerSecond / MiB).toFixed(2)} MiB/s`;
  const report = {
    date: new Date().toISOString(),
    limit: {
      rate: rateText,
      bytes: size,
      seconds: limited.result.seconds,
      achieved,
      deviationPercent: deviation,
      windows: perWindow,
      threads,
    },
    slicingCost: {
      size: costSize,
      threads,
      runs: costRuns,
      secondsWhole: cost.never,
      secondsSliced: cost.always,
    },
    cpus: navigator.hardwareConcurrency,
  };
  const md = `# --limit-rate benchmark (${report.date})

MinIO on loopback, ${threads} threads, 16 MiB parts, ${navigator.hardwareConcurrency} CPUs.

| set rate | bytes | seconds | achieved | deviation | 5 s windows (min–max) |
| --- | ---: | ---: | ---: | ---: | --- |
| ${rateText}/s | ${size} | ${limited.result.seconds.toFixed(2)} | ${fmt(achieved)} | ${
    deviation >= 0 ? "+" : ""
  }${deviation.toFixed(2)} % | ${
    perWindow.length
      ? `${fmt(Math.min(...perWindow))} – ${
        fmt(Math.max(...perWindow))
      } (${perWindow.length} windows)`
      : "n/a"
  } |

Cost of feeding bodies in 64 KiB slices with no limit (${
    costSize / MiB
  } MiB, median of ${costRuns}):
whole bodies ${median(cost.never).toFixed(2)} s (${fmt(costSize / median(cost.never))}), sliced ${
    median(cost.always).toFixed(2)
  } s (${fmt(costSize / median(cost.always))}).
Runs: whole ${cost.never.map((s) => s.toFixed(2)).join(", ")} s; sliced ${
    cost.always.map((s) => s.toFixed(2)).join(", ")
  } s.
`;
  await Deno.mkdir(`${root}bench-results`, { recursive: true });
  await Deno.writeTextFile(`${root}bench-results/limit-rate.md`, md);
  await Deno.writeTextFile(
    `${root}bench-results/limit-rate.json`,
    JSON.stringify(report, null, 2) + "\n",
  );
  console.log(md);
  if (Math.abs(deviation) > 10 || limited.result.seconds < 30) {
    console.error(
      `limit-rate: OUT OF TARGET (±10 % over ≥ 30 s): ${deviation.toFixed(2)} % over ${
        limited.result.seconds.toFixed(1)
      } s`,
    );
    Deno.exitCode = 1;
  }
} finally {
  await server.close();
  await Deno.remove(work, { recursive: true });
}
