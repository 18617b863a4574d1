/**
 * Directory trees for the tree-walk tests (src/plan/): a temp dir built from a small spec, with
 * files, empty directories, links, FIFOs and sockets, and helpers to collect what a walk yields.
 *
 * @example
 * ```ts
 * await using tree = await makeTree({ "a/b.txt": "hello", "empty/": null, "l": link("a") });
 * const events = await collect(walkTree({ root: tree.root }));
 * ```
 *
 * @module
 */

import type { TreeEvent } from "../plan/tree_events.ts";

/** A symbolic link to `target` (relative to the link's directory, or absolute). */
export interface LinkSpec {
  link: string;
}

/** A FIFO (made with mkfifo) or a Unix socket (bound until the tree is removed). */
export interface SpecialSpec {
  special: "fifo" | "socket";
}

/**
 * Each key is a path relative to the tree's root: a string or bytes is a file's content, `null`
 * with a key ending in `/` an empty directory. Parents are created as needed.
 */
export type TreeSpec = Record<string, string | Uint8Array | null | LinkSpec | SpecialSpec>;

/** A temp tree; `await using` removes it. */
export interface TempTree extends AsyncDisposable {
  root: string;
  /** The absolute path of `relPath` in the tree. */
  path(relPath: string): string;
}

/** A symbolic link entry for {@link makeTree}. */
export function link(target: string): LinkSpec {
  return { link: target };
}

/** Builds `spec` under a new temp dir. */
export async function makeTree(spec: TreeSpec): Promise<TempTree> {
  const root = await Deno.makeTempDir({ prefix: "s3mpu-tree-" });
  const path = (relPath: string) => `${root}/${relPath}`;
  // A socket's file lasts while it is bound (Deno removes it on close).
  const listeners: Deno.Listener[] = [];
  for (const [relPath, content] of Object.entries(spec)) {
    const target = path(relPath.replace(/\/$/, ""));
    await Deno.mkdir(relPath.endsWith("/") ? target : target.replace(/\/[^/]*$/, ""), {
      recursive: true,
    });
    if (content === null) continue;
    if (typeof content === "string") await Deno.writeTextFile(target, content);
    else if (content instanceof Uint8Array) await Deno.writeFile(target, content);
    else if ("link" in content) await Deno.symlink(content.link, target);
    else if (content.special === "fifo") await mkfifo(target);
    else listeners.push(Deno.listen({ transport: "unix", path: target }));
  }
  return {
    root,
    path,
    [Symbol.asyncDispose]: () => {
      listeners.forEach((listener) => listener.close());
      return Deno.remove(root, { recursive: true });
    },
  };
}

/** Every event of an enumeration, in order. */
export function collect(events: AsyncIterable<TreeEvent>): Promise<TreeEvent[]> {
  return Array.fromAsync(events);
}

/** The relative paths of the files among `events`. */
export function filePaths(events: TreeEvent[]): string[] {
  return events.flatMap((event) => event.kind === "file" ? [event.relPath] : []);
}

/** `relPath reason` of each skip and failure among `events`. */
export function problems(events: TreeEvent[]): string[] {
  return events.flatMap((event) =>
    event.kind === "skip" || event.kind === "failure" ? [`${event.relPath} ${event.reason}`] : []
  );
}

/** A deterministic random generator (mulberry32): numbers in [0, 1), the same for a seed. */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function mkfifo(path: string): Promise<void> {
  const { success, stderr } = await new Deno.Command("mkfifo", { args: [path], stderr: "piped" })
    .output();
  if (!success) throw new Error(`mkfifo ${path}: ${new TextDecoder().decode(stderr)}`);
}
