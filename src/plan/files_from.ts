/**
 * `--files-from FILE` (or `-` for stdin): the files named in a list, one path per line,
 * relative to DIR, as rclone reads them (docs/tree-walk.md "--files-from"): leading and
 * trailing whitespace is stripped, blank lines and lines starting with `#` or `;` are ignored,
 * leading `/` are dropped (`raw` keeps every line as it is, like rclone's
 * `--files-from-raw`). The filters apply to the listed paths too. Entries come in the list's
 * order and each one's cursor is its line number; `after` resumes after a line.
 *
 * Each listed path is judged as the walk judges an entry (tree_entry.ts): links, FIFOs,
 * sockets and devices are skipped, a directory is a `directory` skip (a list names files; it
 * does not recurse), a path that does not exist is a `missing` failure, a path with `..` an
 * `outside-dir` failure. A parent directory that is a link is not followed unless
 * `followSymlinks`, and one of the excluded directories leaves its files out, as in the walk.
 * A path listed twice is yielded twice (remembering every path would grow with the list).
 *
 * @module
 */

import {
  type EntryAt,
  type EntryRules,
  failure,
  fileId,
  isGone,
  judgeEntry,
  osReason,
  skip,
} from "./tree_entry.ts";
import { type TreeEntryEvent, type TreeEvent, type TreeFailure, TreeTally } from "./tree_events.ts";
import { listLines, openList } from "./list_lines.ts";
import { joinPath, openTree, type TreeOptions } from "./tree_root.ts";

/** Options of {@link filesFrom}. */
export interface FilesFromOptions extends TreeOptions {
  /** The list: a file's path, or `-` for stdin. */
  list: string;
  /** The list's bytes instead of reading `list` (tests, or a stream the CLI opened). */
  input?: ReadableStream<Uint8Array>;
  /** Take each line as it is (no trimming, no comments); empty lines are still ignored. */
  raw?: boolean;
  /** Resume: yield only the entries of lines after this line number. */
  after?: number;
}

type Judged = TreeEntryEvent | undefined;

/** Yields the listed files, skips and failures in the list's order, then one `done`. */
export async function* filesFrom(
  options: FilesFromOptions,
): AsyncGenerator<TreeEvent, void, undefined> {
  const { root, rootId, rules } = await openTree(options);
  const input = options.input ?? await openList(options.list);
  const after = options.after ?? 0;
  const tally = new TreeTally();
  const parents = new ParentChain(root, rules);
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const rootExcluded = rules.excludedDirs.has(rootId);
  for await (const line of listLines(input)) {
    if (line.number <= after || rootExcluded) continue;
    let text: string;
    try {
      text = decoder.decode(line.bytes);
    } catch {
      const at = {
        relPath: new TextDecoder().decode(line.bytes),
        absPath: "",
        cursor: line.number,
      };
      yield tally.count(
        failure(
          at,
          "not-utf8",
          `line ${line.number} is not valid UTF-8; rename the file and list its new name`,
        ),
      );
      continue;
    }
    if (line.number === 1) text = text.replace(/^\uFEFF/, "");
    if (!options.raw) {
      text = text.trim();
      if (text.startsWith("#") || text.startsWith(";")) continue;
    }
    if (text === "") continue;
    const event = await judgeLine(text, line.number);
    if (event) yield tally.count(event);
  }
  yield tally.done();

  async function judgeLine(text: string, number: number): Promise<Judged> {
    const names = text.split("/").filter((name) => name !== "" && name !== ".");
    const relPath = names.join("/");
    const at: EntryAt = {
      relPath: relPath || ".",
      absPath: joinPath(root, relPath),
      cursor: number,
    };
    if (names.includes("..")) {
      return failure(
        { ...at, relPath: text },
        "outside-dir",
        `line ${number} leaves DIR with ".."; list paths relative to DIR`,
      );
    }
    if (relPath === "") {
      return skip(at, "directory", `line ${number} names DIR itself; list its files`);
    }
    if (!rules.filter.includes(relPath)) return undefined;
    const parent = await parents.check(names.slice(0, -1), at, number);
    if (parent !== "ok") return parent;
    let info: Deno.FileInfo;
    try {
      info = await rules.fs.lstat(at.absPath);
    } catch (error) {
      return lstatFailure(at, number, error);
    }
    const outcome = await judgeEntry(rules, at, info);
    if (outcome?.kind !== "directory") return outcome;
    if (rules.excludedDirs.has(outcome.id)) return undefined;
    return skip(
      at,
      "directory",
      `directory (line ${number}); --files-from lists files, list the ones in it`,
    );
  }
}

/**
 * What the parent directories of the listed paths are, for the last path's parents only
 * (lists are usually grouped by directory): one lstat per new parent, memory as deep as a path.
 */
class ParentChain {
  #levels: { name: string; state: ParentState }[] = [];

  constructor(readonly root: string, readonly rules: EntryRules) {}

  /** "ok" when every parent in `names` is a directory the walk would enter; else its event. */
  async check(names: string[], at: EntryAt, number: number): Promise<Judged | "ok"> {
    let same = 0;
    while (
      same < names.length && same < this.#levels.length && this.#levels[same].name === names[same]
    ) same++;
    this.#levels.length = same;
    for (let i = 0; i < names.length; i++) {
      if (i >= this.#levels.length) {
        const state = this.#levels[i - 1]?.state.kind ?? "ok";
        // Below a parent that is not entered, every level shares its state.
        this.#levels.push({
          name: names[i],
          state: state === "ok"
            ? await this.#judge(names.slice(0, i + 1).join("/"))
            : this.#levels[i - 1].state,
        });
      }
      const state = this.#levels[i].state;
      if (state.kind === "ok") continue;
      const parent = JSON.stringify(state.relPath);
      switch (state.kind) {
        case "excluded":
          return undefined;
        case "symlink":
          return skip(
            at,
            "symlink",
            `its parent directory ${parent} is a symbolic link (links are not followed)`,
          );
        case "missing":
          return failure(
            at,
            "missing",
            `listed on line ${number}, but ${parent} is not a directory in DIR`,
          );
        case "unreadable":
          return failure(
            at,
            "unreadable",
            `cannot read its parent directory ${parent} (${state.reason})`,
          );
      }
    }
    return "ok";
  }

  async #judge(relPath: string): Promise<ParentState> {
    const path = joinPath(this.root, relPath);
    try {
      let info = await this.rules.fs.lstat(path);
      if (info.isSymlink) {
        if (!this.rules.followSymlinks) return { kind: "symlink", relPath };
        info = await this.rules.fs.stat(path);
      }
      if (!info.isDirectory) return { kind: "missing", relPath };
      return this.rules.excludedDirs.has(fileId(info))
        ? { kind: "excluded", relPath }
        : { kind: "ok" };
    } catch (error) {
      if (isGone(error)) {
        return { kind: "missing", relPath };
      }
      return { kind: "unreadable", relPath, reason: osReason(error) };
    }
  }
}

type ParentState =
  | { kind: "ok" }
  | { kind: "excluded" | "symlink" | "missing"; relPath: string }
  | { kind: "unreadable"; relPath: string; reason: string };

function lstatFailure(at: EntryAt, number: number, error: unknown): TreeFailure {
  if (isGone(error)) {
    return failure(at, "missing", `listed on line ${number}, but not found in DIR`);
  }
  return failure(at, "unreadable", `cannot read its attributes (${osReason(error)})`);
}
