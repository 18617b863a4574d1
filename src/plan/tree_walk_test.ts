import { assertEquals, assertOk, assertRejects } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { collect, filePaths, link, makeTree, problems } from "../testing/trees.ts";
import { comparePaths } from "./path_order.ts";
import { denoFs, type WalkFs } from "./tree_entry.ts";
import type { TreeFile } from "./tree_events.ts";
import { walkTree } from "./tree_walk.ts";

Deno.test("walk: nested dirs, odd names and empty files, keys byte-exact, in path order", async () => {
  const names = [
    "a b/c d.txt",
    "a+b/%20.txt",
    "unicode/café/naïve ☃.txt",
    "unicode/😀.bin",
    "unicode/\uFFFF.bin",
    "line\nbreak",
    "a-b",
    "a/b",
    "a/b c/deep/deeper/file",
    "empty.txt",
  ];
  await using tree = await makeTree({
    ...Object.fromEntries(names.map((name) => [name, name === "empty.txt" ? "" : `<${name}>`])),
    "empty-dir/": null,
    "empty-parent/empty-child/": null,
  });
  const events = await collect(walkTree({ root: tree.root, prefix: "up/" }));
  const files = events.filter((event): event is TreeFile => event.kind === "file");
  assertEquals(files.map((file) => file.relPath), [...names].sort(comparePaths));
  // "a/b" (inside "a") comes before its parent's later sibling "a-b".
  assertOk(
    files.findIndex((f) => f.relPath === "a/b") < files.findIndex((f) => f.relPath === "a-b"),
  );
  // "😀" (U+1F600) comes after U+FFFF in code point order, unlike UTF-16 order.
  assertOk(
    files.findIndex((f) => f.relPath === "unicode/\uFFFF.bin") <
      files.findIndex((f) => f.relPath === "unicode/😀.bin"),
  );
  for (const file of files) {
    assertEquals(file.key, `up/${file.relPath}`);
    assertEquals(file.absPath, tree.path(file.relPath));
    assertEquals(file.cursor, file.relPath);
    const info = await Deno.lstat(file.absPath);
    assertEquals(
      [file.size, file.mtimeMs, file.ctimeMs, file.ino, file.dev],
      [info.size, info.mtime!.getTime(), info.ctime!.getTime(), info.ino, info.dev],
    );
    assertEquals(
      file.size,
      file.relPath === "empty.txt" ? 0 : new TextEncoder().encode(`<${file.relPath}>`).length,
    );
  }
  assertEquals(events.at(-1), {
    kind: "done",
    files: names.length,
    bytes: files.reduce((sum, file) => sum + file.size, 0),
    skipped: {},
    failed: {},
  });
});

Deno.test("walk: an empty tree yields only done; DIR must be a readable directory", async () => {
  await using tree = await makeTree({ "file": "x", "empty/": null });
  assertEquals(await collect(walkTree({ root: tree.path("empty") })), [
    { kind: "done", files: 0, bytes: 0, skipped: {}, failed: {} },
  ]);
  const notDir = await assertRejects(
    () => collect(walkTree({ root: tree.path("file") })),
    UsageError,
  );
  assertOk(notDir.message.includes("is not a directory"), notDir.message);
  await assertRejects(() => collect(walkTree({ root: tree.path("missing") })), UsageError);
  // A trailing slash on DIR changes nothing.
  assertEquals(filePaths(await collect(walkTree({ root: `${tree.root}/` }))), ["file"]);
});

Deno.test("walk: links are skipped by default, one event each; dangling links and link loops too", async () => {
  await using tree = await makeTree({
    "real/file.txt": "data",
    "to-file": link("real/file.txt"),
    "to-dir": link("real"),
    "dangling": link("nowhere"),
    "loop-a": link("loop-b"),
    "loop-b": link("loop-a"),
  });
  const events = await collect(walkTree({ root: tree.root }));
  assertEquals(filePaths(events), ["real/file.txt"]);
  assertEquals(problems(events), [
    "dangling dangling-link",
    "loop-a loop",
    "loop-b loop",
    "to-dir symlink",
    "to-file symlink",
  ]);
  const skip = events.find((event) => event.kind === "skip" && event.relPath === "to-dir");
  assertEquals(
    skip?.kind === "skip" && skip.message,
    `skipped "to-dir": symbolic link (links are not followed)`,
  );
  assertEquals(events.at(-1), {
    kind: "done",
    files: 1,
    bytes: 4,
    skipped: { "dangling-link": 1, loop: 2, symlink: 2 },
    failed: {},
  });
});

Deno.test("walk with followSymlinks: links followed under their own names, a loop of directories skipped once", async () => {
  await using tree = await makeTree({
    "real/file.txt": "data",
    "real/back-up": link(".."), // a loop: the root is on the path
    "to-file": link("real/file.txt"),
    "to-dir": link("real"),
    "dangling": link("nowhere"),
  });
  const events = await collect(walkTree({ root: tree.root, followSymlinks: true }));
  assertEquals(filePaths(events), ["real/file.txt", "to-dir/file.txt", "to-file"]);
  assertEquals(problems(events), [
    "dangling dangling-link",
    "real/back-up loop",
    "to-dir/back-up loop",
  ]);
  const viaLink = events.find((event) =>
    event.kind === "file" && event.relPath === "to-file"
  ) as TreeFile;
  assertEquals([viaLink.size, viaLink.absPath, viaLink.key], [4, tree.path("to-file"), "to-file"]);
});

Deno.test("walk: FIFOs, sockets and devices are skipped, never opened (a FIFO does not block)", async () => {
  await using tree = await makeTree({
    "fifo": { special: "fifo" },
    "sock": { special: "socket" },
    "null": link("/dev/null"),
    "file": "x",
  });
  const events = await collect(walkTree({ root: tree.root, followSymlinks: true }));
  assertEquals(filePaths(events), ["file"]);
  assertEquals(problems(events), ["fifo fifo", "null device", "sock socket"]);
});

Deno.test("walk: names that are not UTF-8 are failures, never files under a mangled key", async () => {
  await using tree = await makeTree({ "ok.txt": "ok", "\uFFFD": "a genuine U+FFFD name" });
  // Deno cannot name such files; bash can. \xef\xbf\xbd is U+FFFD itself.
  const made = await new Deno.Command("bash", {
    args: ["-c", `touch $'bad\\xff.txt' $'\\xff' && mkdir $'dir\\xfe' && touch $'dir\\xfe/inside'`],
    cwd: tree.root,
  }).output();
  assertOk(made.success, "bash could not make the non-UTF-8 names");
  // What Deno 2.9 gives: each bad byte read as U+FFFD.
  const names = (await Array.fromAsync(Deno.readDir(tree.root))).map((entry) => entry.name).sort();
  assertEquals(names, ["bad\uFFFD.txt", "dir\uFFFD", "ok.txt", "\uFFFD", "\uFFFD"]);
  const events = await collect(walkTree({ root: tree.root, prefix: "p/" }));
  // The genuine U+FFFD file is uploaded once (its own bytes); its byte-\xff twin is a failure.
  assertEquals(filePaths(events), ["ok.txt", "\uFFFD"]);
  assertEquals(events.filter((e) => e.kind === "file").map((e) => (e as TreeFile).size), [
    2,
    "a genuine U+FFFD name".length,
  ]);
  assertEquals(problems(events), [
    "bad\uFFFD.txt not-utf8",
    "dir\uFFFD not-utf8",
    "\uFFFD not-utf8",
  ]);
  const message = events.find((e) => e.kind === "failure" && e.relPath === "bad\uFFFD.txt");
  assertEquals(
    message?.kind === "failure" && message.message,
    `"bad\uFFFD.txt": name is not valid UTF-8; rename it`,
  );
});

Deno.test("walk: a directory that cannot be read is one failure, the rest goes on", async () => {
  await using tree = await makeTree({ "a/file": "1", "locked/secret": "2", "z/file": "3" });
  const failing: WalkFs = {
    ...denoFs,
    readDir: (path) =>
      path === tree.path("locked")
        ? Promise.reject(
          new Deno.errors.PermissionDenied(`Permission denied (os error 13): readdir '${path}'`),
        )
        : denoFs.readDir(path),
  };
  const events = await collect(walkTree({ root: tree.root, fs: failing }));
  assertEquals(filePaths(events), ["a/file", "z/file"]);
  assertEquals(problems(events), ["locked unreadable"]);
  const failure = events.find((event) => event.kind === "failure");
  assertEquals(
    failure?.kind === "failure" && failure.message,
    `"locked": cannot read the directory (Permission denied); fix its permissions`,
  );
});

Deno.test("walk: a directory made unreadable with chmod 000 (skipped as root, where reads still work)", async () => {
  await using tree = await makeTree({ "locked/secret": "2", "file": "1" });
  await Deno.chmod(tree.path("locked"), 0o000);
  try {
    const readable = await Array.fromAsync(Deno.readDir(tree.path("locked"))).then(
      () => true,
      () => false,
    );
    if (readable) {
      console.warn(
        "running as root (or with CAP_DAC_OVERRIDE): chmod 000 does not block reads; skipped",
      );
      return;
    }
    const events = await collect(walkTree({ root: tree.root }));
    assertEquals(filePaths(events), ["file"]);
    assertEquals(problems(events), ["locked unreadable"]);
  } finally {
    await Deno.chmod(tree.path("locked"), 0o755);
  }
});

Deno.test("walk: a file removed between readdir and lstat is reported as vanished", async () => {
  await using tree = await makeTree({ "a": "1", "b": "2", "c": "3" });
  const racing: WalkFs = {
    ...denoFs,
    lstat: async (path) => {
      if (path === tree.path("b")) await Deno.remove(path);
      return denoFs.lstat(path);
    },
  };
  const events = await collect(walkTree({ root: tree.root, fs: racing }));
  assertEquals(filePaths(events), ["a", "c"]);
  assertEquals(problems(events), ["b vanished"]);
});

Deno.test("walk: excluded directories are left out by identity, whatever path names them", async () => {
  await using tree = await makeTree({ "data/file": "1", ".s3mpu-state/job.json": "{}", "zz": "2" });
  const otherName = `${tree.root}/data/../.s3mpu-state/`;
  const events = await collect(
    walkTree({ root: tree.root, excludeDirs: [otherName, "/no/such/dir"] }),
  );
  assertEquals(filePaths(events), ["data/file", "zz"]);
  assertEquals(problems(events), []);
  // Excluding DIR itself leaves nothing.
  assertEquals(
    filePaths(await collect(walkTree({ root: tree.root, excludeDirs: [tree.root] }))),
    [],
  );
});

Deno.test("walk: a key over 1,024 bytes is a per-file failure", async () => {
  await using tree = await makeTree({ "short": "1", ["é".repeat(100)]: "2" });
  const prefix = "p".repeat(824); // 824 + 200 bytes = 1,024: allowed; the "short" key is shorter
  const events = await collect(walkTree({ root: tree.root, prefix: `${prefix}x` }));
  assertEquals(filePaths(events), ["short"]);
  assertEquals(problems(events), [`${"é".repeat(100)} key-too-long`]);
  assertEquals(filePaths(await collect(walkTree({ root: tree.root, prefix }))), [
    "short",
    "é".repeat(100),
  ]);
});

/** A tree with files, skips and failures at several depths, for the resume tests. */
async function resumeTree() {
  const tree = await makeTree({
    "a/1": "x",
    "a/2/deep": "x",
    "a/3/": null,
    "a-b": "x",
    "b/dangling": link("nowhere"),
    "b/f": "x",
    "c/d/e/f": "x",
    "c/d/g": "x",
    "c/fifo": { special: "fifo" },
    "empty/": null,
    "z": "x",
  });
  return tree;
}

Deno.test("walk resumes after every cursor: the union is exactly the full walk, no duplicates", async () => {
  await using tree = await resumeTree();
  const full = (await collect(walkTree({ root: tree.root }))).slice(0, -1);
  assertEquals(full.length, 9);
  const describe = (events: typeof full) =>
    events.map((event) => event.kind === "done" ? "done" : `${event.kind} ${event.relPath}`);
  for (let k = 0; k < full.length; k++) {
    const event = full[k];
    const cursor = event.kind === "done" ? "" : event.cursor as string;
    const resumed = await collect(walkTree({ root: tree.root, after: cursor }));
    assertEquals(describe(resumed.slice(0, -1)), describe(full.slice(k + 1)), `after ${cursor}`);
  }
  // A cursor that names nothing in the tree (removed since) resumes at the next path.
  const resumed = await collect(walkTree({ root: tree.root, after: "c/d/e/gone" }));
  assertEquals(describe(resumed.slice(0, -1)), ["file c/d/g", "skip c/fifo", "file z"]);
});

Deno.test("walk resume reads only the directories on the path to the cursor, and those after it", async () => {
  const spec: Record<string, string> = {};
  for (let d = 0; d < 10; d++) for (let f = 0; f < 10; f++) spec[`d${d}/f${f}`] = "x";
  await using tree = await makeTree(spec);
  const read: string[] = [];
  const statted: string[] = [];
  const counting: WalkFs = {
    ...denoFs,
    readDir: (path) => (read.push(path.slice(tree.root.length)), denoFs.readDir(path)),
    lstat: (path) => (statted.push(path.slice(tree.root.length)), denoFs.lstat(path)),
  };
  const events = await collect(
    walkTree({ root: tree.root, fs: counting, after: "d5/f3", statConcurrency: 4 }),
  );
  assertEquals(filePaths(events)[0], "d5/f4");
  assertEquals(filePaths(events).length, 6 + 40);
  assertEquals(read, ["", "/d5", "/d6", "/d7", "/d8", "/d9"]);
  // Only the cursor's own entry is looked at again in d5.
  assertEquals(statted.filter((path) => /^\/d[0-4]/.test(path) || /^\/d5\/f[0-2]$/.test(path)), []);
});

Deno.test("walk streams: the first files arrive before the tree has been read", async () => {
  const spec: Record<string, string> = {};
  for (let d = 0; d < 20; d++) spec[`d${d}/f`] = "x";
  await using tree = await makeTree(spec);
  let reads = 0;
  const counting: WalkFs = { ...denoFs, readDir: (path) => (reads++, denoFs.readDir(path)) };
  for await (const event of walkTree({ root: tree.root, fs: counting })) {
    assertEquals(event.kind === "file" && event.relPath, "d0/f");
    assertEquals(reads, 2); // the root and d0: nothing else read yet
    break;
  }
});

Deno.test("walk: pruning directories by the filters yields the same files as filtering every file", async () => {
  const { compileFilters } = await import("./tree_filters.ts");
  await using tree = await makeTree({
    ".git/objects/ab/cd": "x",
    ".git/HEAD": "x",
    "src/node_modules/x/index.js": "x",
    "src/main.ts": "x",
    "tmp/keep": "x",
    "tmp/drop": "x",
    "logs/a.log": "x",
  });
  const ruleSets = [
    [{ kind: "exclude" as const, pattern: ".git/*" }],
    [{ kind: "exclude" as const, pattern: "*/node_modules/*" }],
    [{ kind: "exclude" as const, pattern: "tmp/*" }, {
      kind: "include" as const,
      pattern: "tmp/keep",
    }],
    [{ kind: "exclude" as const, pattern: "*" }, { kind: "include" as const, pattern: "*.ts" }],
  ];
  for (const rules of ruleSets) {
    const filter = compileFilters(rules);
    const noPrune = { includes: filter.includes, prunes: () => false };
    const pruned = filePaths(await collect(walkTree({ root: tree.root, filter })));
    const unpruned = filePaths(await collect(walkTree({ root: tree.root, filter: noPrune })));
    assertEquals(pruned, unpruned, JSON.stringify(rules));
  }
});
