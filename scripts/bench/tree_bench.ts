/**
 * Tree upload benchmark: s3mpu against s5cmd, aws-cli (and rclone when installed) on the
 * local MinIO of `bash scripts/servers.sh start`, a fresh bucket per tool; then s3mpu's peak
 * memory for --files-from jobs of empty files, and a resume after a kill. Prints figures, asserts
 * nothing (docs/trees.md "Figures").
 *
 *   bash scripts/servers.sh start
 *   deno run -A scripts/bench/tree_bench.ts [--small 10000] [--large 100] [--large-mib 40]
 *       [--memory 10000,100000,1000000] [--resume 100000] [--only small,large,memory,resume]
 *
 * Wall seconds are the tool's process from spawn to exit; peak RSS is GNU time's "Maximum
 * resident set size" (/usr/bin/time -v). s3mpu runs as `deno run -A main.ts` (as the tests
 * run it). The memory jobs send to a stub store in this process that answers every PutObject
 * with the empty object's MD5 ETag and keeps nothing (--provider minio, so the ETag proves the
 * empty object): what is measured is s3mpu's walk, journal and requests, not MinIO's cost.
 *
 * @module
 */
import { join } from "node:path";
import { createTestBucket, serverEnv, testServers } from "../../tests/support/servers.ts";
import { startFaultProxy } from "../../tests/support/fault_proxy.ts";
import { journalText } from "../../tests/support/tree_cli.ts";
import { seededRandom } from "../../src/testing/trees.ts";

const root = new URL("../..", import.meta.url).pathname;
const args = parseArgs(Deno.args);
const only = new Set((args.only ?? "small,large,memory,resume").split(","));
const minio = testServers().find((s) => s.name === "minio");
if (!minio) throw new Error("MinIO is not configured: run bash scripts/servers.sh start first.");
const env = { ...serverEnv(minio), AWS_DEFAULT_REGION: "us-east-1" };
const work = await Deno.makeTempDir({ prefix: "s3mpu-tree-bench-" });

interface Figure {
  tool: string;
  seconds: number;
  rssMiB: number;
  code: number;
}

/** Runs `cmd` under GNU time; returns wall seconds, peak RSS and the exit code. */
async function timed(tool: string, cmd: string[], extraEnv: Record<string, string> = {}) {
  const started = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-v", ...cmd],
    env: { ...env, ...extraEnv },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const stderr = new TextDecoder().decode(out.stderr);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? 0);
  if (out.code !== 0) console.log(`  ${tool} exit ${out.code}: ${stderr.slice(-600)}`);
  return { tool, seconds, rssMiB: rss / 1024, code: out.code } satisfies Figure;
}

/** The tree of `count` files with seeded random sizes up to `maxBytes` (100 per directory). */
async function makeFiles(dir: string, count: number, maxBytes: number, exact = false) {
  const random = seededRandom(20);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) await Deno.mkdir(sub, { recursive: true });
    const size = exact ? maxBytes : Math.floor(random() * (maxBytes + 1));
    const body = new Uint8Array(size);
    for (let j = 0; j < size; j += 4096) body[j] = Math.floor(random() * 256);
    await Deno.writeFile(join(sub, `f${i}.bin`), body);
    bytes += size;
  }
  return bytes;
}

function s3mpuCmd(dir: string, bucket: string, state: string, ...extra: string[]) {
  return [
    join(root, ".tools/node_modules/deno/deno"),
    "run",
    "-A",
    join(root, "main.ts"),
    "upload",
    dir,
    `s3://${bucket}/p/`,
    "--state-dir",
    state,
    "--no-progress",
    "-q",
    ...extra,
  ];
}

/** Every tool on the same tree, a fresh bucket each; prints the table and the ratio. */
async function compare(label: string, dir: string, files: number, bytes: number) {
  console.log(`\n${label}: ${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  const figures: Figure[] = [];
  const bucket = () => createTestBucket(minio!, "bench");
  figures.push(
    await timed("s3mpu", s3mpuCmd(dir, await bucket(), await Deno.makeTempDir({ dir: work }))),
  );
  const s5cmd = join(root, ".tools/bench/bin/s5cmd");
  figures.push(
    await timed("s5cmd", [
      s5cmd,
      "--endpoint-url",
      minio!.endpoint,
      "cp",
      `${dir}/*`,
      `s3://${await bucket()}/p/`,
    ]),
  );
  figures.push(
    await timed("aws-cli", [
      "aws",
      "--endpoint-url",
      minio!.endpoint,
      "s3",
      "cp",
      "--recursive",
      "--only-show-errors",
      dir,
      `s3://${await bucket()}/p/`,
    ]),
  );
  const rclone = join(root, ".tools/bench/bin/rclone");
  if (await Deno.stat(rclone).then(() => true, () => false)) {
    figures.push(
      await timed("rclone", [rclone, "copy", dir, `bench:${await bucket()}/p/`], {
        RCLONE_CONFIG_BENCH_TYPE: "s3",
        RCLONE_CONFIG_BENCH_PROVIDER: "Minio",
        RCLONE_CONFIG_BENCH_ENDPOINT: minio!.endpoint,
        RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: minio!.accessKeyId,
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: minio!.secretAccessKey,
      }),
    );
  } else console.log("  rclone: not installed (scripts/bench/install_peers.sh rclone)");
  for (const f of figures) {
    console.log(
      `  ${f.tool.padEnd(8)} ${f.seconds.toFixed(2).padStart(7)} s  ${
        (files / f.seconds).toFixed(0).padStart(6)
      } files/s  ${(bytes / 2 ** 20 / f.seconds).toFixed(1).padStart(6)} MiB/s  peak RSS ${
        f.rssMiB.toFixed(0)
      } MiB${f.code === 0 ? "" : `  EXIT ${f.code}`}`,
    );
  }
  const peers = figures.filter((f) => f.tool !== "s3mpu" && f.code === 0);
  const best = peers.reduce((a, b) => (b.seconds < a.seconds ? b : a), peers[0]);
  if (best) {
    console.log(
      `  s3mpu/best peer (${best.tool}): ${(figures[0].seconds / best.seconds).toFixed(2)}`,
    );
  }
}

/** A store that keeps nothing: every PUT gets the empty object's MD5 ETag. */
function stubStore() {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (req.body) await req.body.cancel();
    const headers = { etag: '"d41d8cd98f00b204e9800998ecf8427e"', server: "MinIO" };
    return new Response(req.method === "HEAD" || req.method === "PUT" ? null : "", { headers });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/** Peak RSS of --files-from jobs of `count` empty files, and journal bytes per file. */
async function memory(count: number) {
  const dir = join(work, `empty-${count}`);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const sub = `d${String(Math.floor(i / 1000)).padStart(4, "0")}`;
    if (i % 1000 === 0) await Deno.mkdir(join(dir, sub), { recursive: true });
    const name = `${sub}/f${String(i % 1000).padStart(4, "0")}`;
    Deno.openSync(join(dir, name), { create: true, write: true }).close();
    paths.push(name);
  }
  const list = join(work, `list-${count}`);
  await Deno.writeTextFile(list, paths.join("\n") + "\n");
  const state = await Deno.makeTempDir({ dir: work });
  const stub = stubStore();
  const f = await timed(
    "s3mpu",
    [...s3mpuCmd(dir, "stub", state, "--files-from", list, "--provider", "minio")],
    { AWS_ENDPOINT_URL: stub.url },
  );
  await stub.close();
  const journal = new TextEncoder().encode(await journalText(state)).length;
  console.log(
    `  ${String(count).padStart(9)} empty files: ${f.seconds.toFixed(1)} s, ${
      (count / f.seconds).toFixed(0)
    } files/s, peak RSS ${f.rssMiB.toFixed(0)} MiB, journal ${
      (journal / count).toFixed(0)
    } bytes/file${f.code === 0 ? "" : `, EXIT ${f.code}`}`,
  );
  await Deno.remove(dir, { recursive: true });
}

/** Kills a job at about half, runs it again; first new object's delay and re-sent files. */
async function resume(count: number) {
  const dir = join(work, "resume");
  await makeFiles(dir, count, 1024);
  const bucket = await createTestBucket(minio!, "bench");
  const state = await Deno.makeTempDir({ dir: work });
  const proxy = await startFaultProxy({ target: minio!.endpoint, capture: true });
  const via = { ...env, AWS_ENDPOINT_URL: proxy.url };
  const puts = () => proxy.captured.filter((r) => r.method === "PUT");
  const cmd = s3mpuCmd(dir, bucket, state);
  const first = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env: via,
    stdout: "null",
    stderr: "null",
  })
    .spawn();
  while (puts().length < count / 2) await new Promise((r) => setTimeout(r, 10));
  first.kill("SIGKILL");
  await first.status;
  const journal = (await journalText(state)).split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const pathOf = new Map(journal.filter((r) => r.t === "f").map((r) => [r.i, r.p]));
  const finished = new Set(
    journal.filter((r) => r.t === "d").map((r) => `/${bucket}/p/${pathOf.get(r.i)}`),
  );
  const sentBefore = puts().length;
  proxy.captured.length = 0;
  const started = performance.now();
  const second = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env: via,
    stdout: "null",
    stderr: "null",
  })
    .spawn();
  let firstNew: number | undefined;
  let done = false;
  second.status.then(() => (done = true));
  while (!done) {
    if (firstNew === undefined && puts().length > 0) {
      firstNew = (performance.now() - started) / 1000;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const status = await second.status;
  const seconds = (performance.now() - started) / 1000;
  const resent = puts().filter((r) => finished.has(decodeURIComponent(r.url.split("?")[0]))).length;
  console.log(
    `\nresume: ${count} files of 0-1 KiB, killed (SIGKILL) after ${sentBefore} PUTs with ${finished.size} files journaled done; ` +
      `restart to first new PUT ${firstNew?.toFixed(2)} s, second run ${
        seconds.toFixed(1)
      } s (exit ${status.code}), ` +
      `${puts().length} PUTs, ${resent} of them re-sent a finished file`,
  );
  await proxy.close();
}

console.log(
  `tree upload benchmark, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs, load ${
    Deno.loadavg().map((l) => l.toFixed(2)).join(" ")
  }, MinIO ${minio.endpoint}`,
);
try {
  if (only.has("small")) {
    const count = Number(args.small ?? 10000);
    const dir = join(work, "small");
    const bytes = await makeFiles(dir, count, 64 * 1024);
    await compare("small files (0-64 KiB)", dir, count, bytes);
    await Deno.remove(dir, { recursive: true });
  }
  if (only.has("large")) {
    const count = Number(args.large ?? 100);
    const dir = join(work, "large");
    const bytes = await makeFiles(dir, count, Number(args["large-mib"] ?? 40) * 2 ** 20, true);
    await compare("large files", dir, count, bytes);
    await Deno.remove(dir, { recursive: true });
  }
  if (only.has("memory")) {
    console.log("\nmemory of --files-from jobs (stub store):");
    for (const n of (args.memory ?? "10000,100000,1000000").split(",").map(Number)) await memory(n);
  }
  if (only.has("resume")) await resume(Number(args.resume ?? 100000));
} finally {
  await Deno.remove(work, { recursive: true });
}

function parseArgs(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) out[list[i].replace(/^--/, "")] = list[i + 1];
  return out;
}
