/**
 * What the tree walk (src/plan/tree_walk.ts) costs: builds trees of empty files, walks each
 * one in a fresh process, and prints files per second and peak memory (the child's maximum
 * RSS from /usr/bin/time -v when it is there, and the largest RSS and V8 heap sampled every
 * 50 ms inside it), and the live heap: the V8 heap right after a full garbage collection,
 * forced every 100,000 files (what the walk really holds, without the garbage not yet
 * collected). The trees are removed afterwards.
 *
 *   deno run -A scripts/bench/walk_bench.ts [--sizes 10000,100000,1000000] [--flat 100000]
 *       [--dir TMPDIR] [--concurrency 32]
 *
 * Nested trees hold 1,000 files per directory (10 such directories per parent); `--flat N`
 * adds one directory of N files (0: none). The walks run with the page cache warm (the tree
 * was just built); figures are printed, never asserted.
 *
 * @module
 */

import { walkTree } from "../../src/plan/tree_walk.ts";
import { exists } from "../../src/testing/files.ts";

const args = parseArgs(Deno.args);

if (args.walk) {
  await walkOnce(args.walk, Number(args.concurrency ?? 32));
} else {
  const sizes = (args.sizes ?? "10000,100000,1000000").split(",").map(Number);
  const flat = Number(args.flat ?? 100000);
  const base = args.dir ?? Deno.env.get("TMPDIR") ?? "/tmp";
  console.log(
    `tree walk benchmark, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs`,
  );
  const trees = [
    ...sizes.map((files) => ({ files, flat: false })),
    ...(flat > 0 ? [{ files: flat, flat: true }] : []),
  ];
  for (const tree of trees) await measure(base, tree.files, tree.flat, args.concurrency);
}

/** Builds one tree, walks it in a child process, prints the figures, removes the tree. */
async function measure(base: string, files: number, flat: boolean, concurrency?: string) {
  const root = await Deno.makeTempDir({ dir: base, prefix: "s3mpu-walk-bench-" });
  try {
    const started = performance.now();
    const dirs = await build(root, files, flat);
    const built = (performance.now() - started) / 1000;
    const label = flat
      ? `${files} files in one directory`
      : `${files} files in ${dirs} directories`;
    console.log(`\n${label} (built in ${built.toFixed(1)} s)`);
    const self = new URL(import.meta.url).pathname;
    const walkArgs = [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      self,
      "--walk",
      root,
      ...(concurrency ? ["--concurrency", concurrency] : []),
    ];
    const timed = await exists("/usr/bin/time");
    const command = timed
      ? new Deno.Command("/usr/bin/time", {
        args: ["-v", Deno.execPath(), ...walkArgs],
        stdout: "piped",
        stderr: "piped",
      })
      : new Deno.Command(Deno.execPath(), { args: walkArgs, stdout: "piped", stderr: "piped" });
    const { success, stdout, stderr } = await command.output();
    const report = new TextDecoder().decode(stdout).trim();
    const errors = new TextDecoder().decode(stderr);
    if (!success) throw new Error(`the walk failed:\n${errors}`);
    const maxRss = errors.match(/Maximum resident set size \(kbytes\): (\d+)/);
    console.log(report);
    if (maxRss) {
      console.log(
        `  peak RSS of the process (time -v): ${(Number(maxRss[1]) / 1024).toFixed(1)} MiB`,
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Creates `files` empty files: 1,000 per directory, 10 directories per parent (or flat). */
async function build(root: string, files: number, flat: boolean): Promise<number> {
  const perDir = flat ? files : 1000;
  const dirCount = Math.ceil(files / perDir);
  const empty = new Uint8Array(0);
  let made = 0;
  for (let d = 0; d < dirCount; d++) {
    // d = 1234 becomes 1/2/3/d1234: parents of 10 directories each.
    const parents = flat ? [] : String(d).padStart(3, "0").slice(0, -1).split("");
    const dir = [root, ...parents, `d${d}`].join("/");
    await Deno.mkdir(dir, { recursive: true });
    for (let f = 0; f < perDir && made < files; f++, made++) {
      Deno.writeFileSync(`${dir}/f${f}`, empty);
    }
  }
  return dirCount;
}

/** The child: walks `root`, sampling memory, and prints one line of figures. */
async function walkOnce(root: string, concurrency: number) {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const { rss, heapUsed } = Deno.memoryUsage();
    peakRss = Math.max(peakRss, rss);
    peakHeap = Math.max(peakHeap, heapUsed);
  };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  let files = 0;
  let other = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  let liveHeap = 0;
  for await (const event of walkTree({ root, prefix: "bench/", statConcurrency: concurrency })) {
    if (event.kind === "file" && ++files % 100000 === 0 && gc) {
      gc();
      liveHeap = Math.max(liveHeap, Deno.memoryUsage().heapUsed);
    } else if (event.kind !== "file" && event.kind !== "done") other++;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(
    `  walked ${files} files (${other} other events) in ${seconds.toFixed(2)} s: ` +
      `${Math.round(files / seconds)} files/s; sampled peak RSS ${mib(peakRss)} MiB, V8 heap ${
        mib(peakHeap)
      } MiB`,
  );
  if (liveHeap > 0) {
    console.log(`  live heap (after a full GC every 100,000 files): at most ${mib(liveHeap)} MiB`);
  }
}

function parseArgs(list: string[]): Record<string, string | undefined> {
  const parsed: Record<string, string | undefined> = {};
  for (let i = 0; i < list.length; i += 2) parsed[list[i].replace(/^--/, "")] = list[i + 1];
  return parsed;
}
