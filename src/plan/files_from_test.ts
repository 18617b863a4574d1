import { assertEquals, assertRejects } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { collect, filePaths, link, makeTree, problems } from "../testing/trees.ts";
import { filesFrom, type FilesFromOptions } from "./files_from.ts";
import type { TreeEvent, TreeFile } from "./tree_events.ts";
import { compileFilters } from "./tree_filters.ts";

/** The events of `--files-from` over `lines` (given as the list's bytes). */
function listed(root: string, list: string | Uint8Array, options: Partial<FilesFromOptions> = {}) {
  const bytes = typeof list === "string" ? new TextEncoder().encode(list) : list;
  return collect(
    filesFrom({ root, list: "(test)", input: ReadableStream.from([bytes]), ...options }),
  );
}

const spec = {
  "file1.jpg": "1",
  "subdir/file2.jpg": "22",
  " spaced ": "3",
  "#hash": "4",
  "keep/a.txt": "5",
  "keep/b.log": "6",
};

Deno.test("files-from: rclone's rules: trimmed lines, # and ; comments, blank lines, leading / dropped", async () => {
  await using tree = await makeTree(spec);
  const events = await listed(
    tree.root,
    "\uFEFF# comment\n; another\n\n   \nfile1.jpg\r\n  /subdir/file2.jpg  \n./keep//a.txt\n",
  );
  assertEquals(filePaths(events), ["file1.jpg", "subdir/file2.jpg", "keep/a.txt"]);
  const files = events.filter((event): event is TreeFile => event.kind === "file");
  assertEquals(files.map((file) => [file.cursor, file.key, file.size]), [
    [5, "file1.jpg", 1],
    [6, "subdir/file2.jpg", 2],
    [7, "keep/a.txt", 1],
  ]);
  assertEquals(events.at(-1), { kind: "done", files: 3, bytes: 4, skipped: {}, failed: {} });
});

Deno.test("files-from raw: lines kept as they are (spaces, # names); empty lines still ignored", async () => {
  await using tree = await makeTree(spec);
  const events = await listed(tree.root, " spaced \n#hash\n\nfile1.jpg\n", {
    raw: true,
    prefix: "p/",
  });
  assertEquals(filePaths(events), [" spaced ", "#hash", "file1.jpg"]);
  assertEquals(events.flatMap((e) => e.kind === "file" ? [e.key] : []), [
    "p/ spaced ",
    "p/#hash",
    "p/file1.jpg",
  ]);
  // Not raw, the same list loses the spaces and the # line.
  assertEquals(problems(await listed(tree.root, " spaced \n#hash\n")), ["spaced missing"]);
});

Deno.test("files-from: the filters apply to listed paths too", async () => {
  await using tree = await makeTree(spec);
  const filter = compileFilters([{ kind: "exclude", pattern: "*" }, {
    kind: "include",
    pattern: "keep/*",
  }, {
    kind: "exclude",
    pattern: "*.log",
  }]);
  const events = await listed(tree.root, "file1.jpg\nkeep/a.txt\nkeep/b.log\nnot-there\n", {
    filter,
  });
  assertEquals(filePaths(events), ["keep/a.txt"]);
  assertEquals(problems(events), []); // excluded paths are silent, missing or not
});

Deno.test("files-from: missing paths, directories, .., links, FIFOs and non-UTF-8 lines are reported per line", async () => {
  await using tree = await makeTree({
    ...spec,
    "fifo": { special: "fifo" },
    "to-file": link("file1.jpg"),
    "to-dir": link("subdir"),
    ".state/job.json": "{}",
  });
  const list = new Uint8Array([
    ...new TextEncoder().encode("nope\nsubdir\n../etc/passwd\nto-file\nto-dir/file2.jpg\nfifo\n"),
    ...[0x62, 0x61, 0x64, 0xff, 0x0a], // "bad\xff"
    ...new TextEncoder().encode("subdir/file2.jpg/x\n.\n.state/job.json\nfile1.jpg\n"),
  ]);
  const events = await listed(tree.root, list, { excludeDirs: [tree.path(".state")] });
  assertEquals(filePaths(events), ["file1.jpg"]);
  assertEquals(problems(events), [
    "nope missing",
    "subdir directory",
    "../etc/passwd outside-dir",
    "to-file symlink",
    "to-dir/file2.jpg symlink",
    "fifo fifo",
    "bad\uFFFD not-utf8",
    "subdir/file2.jpg/x missing",
    ". directory",
  ]);
  const messages = events.flatMap((e) =>
    e.kind === "skip" || e.kind === "failure" ? [e.message] : []
  );
  assertEquals(messages.slice(0, 3), [
    `"nope": listed on line 1, but not found in DIR`,
    `skipped "subdir": directory (line 2); --files-from lists files, list the ones in it`,
    `"../etc/passwd": line 3 leaves DIR with ".."; list paths relative to DIR`,
  ]);
  // With links followed, both link lines are files under their listed names.
  const followed = await listed(tree.root, "to-file\nto-dir/file2.jpg\n", { followSymlinks: true });
  assertEquals(followed.flatMap((e) => e.kind === "file" ? [[e.relPath, e.size]] : []), [
    ["to-file", 1],
    ["to-dir/file2.jpg", 2],
  ]);
});

Deno.test("files-from resumes after every line: the union is exactly the full list", async () => {
  await using tree = await makeTree(spec);
  const list = "# c\nfile1.jpg\n\nnope\nsubdir/file2.jpg\nsubdir\nkeep/a.txt\nkeep/b.log";
  const describe = (events: TreeEvent[]) =>
    events.map((e) => e.kind === "done" ? "done" : `${e.cursor} ${e.relPath}`);
  const full = (await listed(tree.root, list)).slice(0, -1);
  assertEquals(describe(full), [
    "2 file1.jpg",
    "4 nope",
    "5 subdir/file2.jpg",
    "6 subdir",
    "7 keep/a.txt",
    "8 keep/b.log",
  ]);
  for (let k = 0; k < full.length; k++) {
    const event = full[k];
    const after = event.kind === "done" ? 0 : event.cursor as number;
    const resumed = await listed(tree.root, list, { after });
    assertEquals(
      describe(resumed.slice(0, -1)),
      describe(full.slice(k + 1)),
      `after line ${after}`,
    );
  }
});

Deno.test("files-from reads its list from a file", async () => {
  await using tree = await makeTree(spec);
  const listPath = `${tree.root}.list`;
  await Deno.writeTextFile(listPath, "subdir/file2.jpg\nfile1.jpg");
  try {
    const events = await collect(filesFrom({ root: tree.root, list: listPath }));
    assertEquals(filePaths(events), ["subdir/file2.jpg", "file1.jpg"]);
  } finally {
    await Deno.remove(listPath);
  }
});

Deno.test("files-from - reads the list from stdin", async () => {
  await using tree = await makeTree(spec);
  const module = new URL("./files_from.ts", import.meta.url).href;
  const script = `import { filesFrom } from ${JSON.stringify(module)};\n` +
    `for await (const e of filesFrom({ root: Deno.args[0], list: "-" })) console.log(e.kind, e.kind === "done" ? "" : e.relPath);`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script, tree.root],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("keep/a.txt\nnope\n"));
  await writer.close();
  const { success, stdout } = await child.output();
  assertEquals(success, true);
  assertEquals(new TextDecoder().decode(stdout), "file keep/a.txt\nfailure nope\ndone \n");
});

Deno.test("files-from: a list that cannot be read is bad input (exit 2)", async () => {
  await using tree = await makeTree(spec);
  const error = await assertRejects(
    () => collect(filesFrom({ root: tree.root, list: tree.path("no-such-list") })),
    UsageError,
  );
  assertEquals(
    error.message,
    `Cannot read the list ${
      tree.path("no-such-list")
    } (No such file or directory); name a readable file, or - for stdin.`,
  );
});
