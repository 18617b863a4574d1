/**
 * `--exclude GLOB` and `--include GLOB` with aws-cli's semantics (docs/tree-walk.md
 * "Filters"): every file starts included, the filters apply in the order given and the last
 * one that matches decides. A pattern is matched against the file's path relative to DIR
 * (`/`-separated) with Python's fnmatch ({@link fnmatchRegExp}), so `*` crosses `/`:
 * `--exclude "*.log"` leaves out `a/b/c.log` too, and `--exclude "tmp/*"` everything under
 * `tmp`. Filters decide about files; a directory is only left unread when no file in it could
 * be included ({@link TreeFilter.prunes}).
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { fnmatchRegExp, literalPrefix } from "./fnmatch.ts";

/** One filter as given on the command line. */
export interface FilterRule {
  kind: "include" | "exclude";
  pattern: string;
}

/** Compiled filters: whether a file is included, and whether a directory can be skipped. */
export interface TreeFilter {
  /** Whether the file at `relPath` (relative to DIR, `/`-separated) is included. */
  includes(relPath: string): boolean;
  /**
   * Whether no file inside directory `relDir` can be included, whatever its name: then the
   * walk need not read it. Conservative: false whenever that is not certain.
   */
  prunes(relDir: string): boolean;
}

/** The filter that includes everything. */
export const includeEverything: TreeFilter = { includes: () => true, prunes: () => false };

interface CompiledRule {
  include: boolean;
  regExp: RegExp;
  /** Every match begins with this text. */
  prefix: string;
  /** For an exclude ending in `*`: matches the strings that begin with a match of the rest. */
  headRegExp?: RegExp;
}

/** Compiles `rules` (in command-line order) into a {@link TreeFilter}. */
export function compileFilters(rules: readonly FilterRule[]): TreeFilter {
  if (rules.length === 0) return includeEverything;
  const compiled: CompiledRule[] = rules.map((rule) => ({
    include: rule.kind === "include",
    regExp: fnmatchRegExp(rule.pattern),
    prefix: literalPrefix(rule.pattern),
    headRegExp: rule.kind === "exclude" && rule.pattern.endsWith("*")
      ? fnmatchRegExp(rule.pattern.slice(0, -1), { prefix: true })
      : undefined,
  }));
  return {
    includes(relPath) {
      for (let i = compiled.length - 1; i >= 0; i--) {
        if (compiled[i].regExp.test(relPath)) return compiled[i].include;
      }
      return true;
    },
    prunes(relDir) {
      const inside = `${relDir}/`;
      // The last exclude that surely matches every path inside the directory: HEAD* matches
      // inside + S for every S when HEAD matches the beginning of inside (* takes the rest).
      let last = -1;
      compiled.forEach((rule, i) => {
        if (rule.headRegExp?.test(inside)) last = i;
      });
      if (last < 0) return false;
      // No later include may match a path inside: its matches all begin with its literal
      // prefix, which must then disagree with `inside` somewhere.
      return compiled.slice(last + 1).every((rule) =>
        !rule.include || !(rule.prefix.startsWith(inside) || inside.startsWith(rule.prefix))
      );
    },
  };
}

/**
 * Refuses filters that surely leave nothing to upload: an `--exclude` that matches every path
 * (`*`) with no `--include` after it. The CLI calls this before anything is created; the
 * message names the fix (exit 2).
 */
export function checkFilters(rules: readonly FilterRule[]): void {
  const last = rules.findLastIndex((rule) => rule.kind === "exclude" && /^\*+$/.test(rule.pattern));
  if (last < 0 || rules.slice(last + 1).some((rule) => rule.kind === "include")) return;
  const pattern = rules[last].pattern;
  throw new UsageError(
    rules.some((rule) => rule.kind === "include")
      ? `--exclude "${pattern}" comes after every --include, so it leaves nothing to upload; ` +
        `put the --include filters after it (later filters win).`
      : `--exclude "${pattern}" leaves nothing to upload; add --include GLOB after it for the ` +
        `files to upload.`,
    { code: "filters_exclude_everything" },
  );
}
