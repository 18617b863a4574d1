/**
 * The one order of relative paths that the tree walk follows and its resume cursors rely on
 * (docs/tree-walk.md "Order"): paths are compared component by component, and two names by
 * their UTF-8 bytes, which is the order of their Unicode code points (the order S3 lists keys
 * in, within one name). A directory's entries come right after it and before its next
 * sibling, so a depth-first walk that sorts each directory visits paths in exactly this order.
 *
 * This is not the plain string order of whole paths: "a-b" < "a/b" as strings ('-' is 0x2D,
 * '/' is 0x2F), but the walk visits "a/b" (inside "a") before "a-b" (a later sibling of "a").
 *
 * @module
 */

/**
 * Compares two names (no `/`) by their UTF-8 bytes: negative when `a` comes first, 0 when
 * equal. JavaScript's own `<` compares UTF-16 code units, which differs from code point order
 * for characters above U+FFFF (surrogate pairs) against U+E000–U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * Compares two relative paths (`/`-separated, no empty components) component by component,
 * each by {@link compareNames}: negative when `a` comes first in a depth-first sorted walk.
 * A directory comes before everything inside it.
 */
export function comparePaths(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // The end of a component (`/`) sorts before any character of a longer name.
    if (x === SLASH) return -1;
    if (y === SLASH) return 1;
    return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Whether `path` lies inside directory `dir` (both relative; "" is the walk's root). */
export function isInside(path: string, dir: string): boolean {
  if (dir === "") return path !== "";
  return path.length > dir.length + 1 && path.startsWith(dir) &&
    path.charCodeAt(dir.length) === SLASH;
}

const SLASH = 0x2f;

/**
 * A UTF-16 code unit's rank in code point order at the first difference of two strings:
 * surrogates (U+D800–U+DFFF, halves of code points above U+FFFF) must sort after U+E000–U+FFFF.
 */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit < 0xe000) return unit + 0x2000;
  return unit - 0x800;
}
