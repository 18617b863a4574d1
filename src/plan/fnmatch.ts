/**
 * Python's `fnmatch` patterns as JavaScript regular expressions: the patterns aws-cli's
 * `--exclude` and `--include` take (aws-cli matches them with `fnmatch.fnmatch`). `*` matches
 * any run of characters, `/` and newlines included; `?` one character (a code point);
 * `[seq]` one character in seq, `[!seq]` one not in it, with ranges such as `a-z`; a `]` right
 * after `[` or `[!` belongs to the set; a `[` without its `]` is a plain `[`. Nothing else is
 * special: there is no escape character and no `**`. Matching is case-sensitive (as fnmatch
 * on POSIX).
 *
 * @module
 */

/**
 * The regular expression that matches exactly the strings `pattern` matches, or with
 * `prefix`, the strings that begin with a match of `pattern`.
 */
export function fnmatchRegExp(pattern: string, options: { prefix?: boolean } = {}): RegExp {
  const chars = [...pattern]; // code points, as Python's str
  let source = "";
  let i = 0;
  while (i < chars.length) {
    const c = chars[i++];
    if (c === "*") {
      if (!source.endsWith(".*")) source += ".*";
    } else if (c === "?") {
      source += ".";
    } else if (c === "[") {
      const set = parseSet(chars, i);
      if (set === undefined) {
        source += "\\[";
      } else {
        source += set.source;
        i = set.next;
      }
    } else {
      source += escapeChar(c);
    }
  }
  return new RegExp(`^(?:${source})${options.prefix ? "" : "$"}`, "su");
}

/** The literal text a pattern's matches all begin with (before its first `*`, `?` or `[`). */
export function literalPrefix(pattern: string): string {
  const at = pattern.search(/[*?[]/);
  return at < 0 ? pattern : pattern.slice(0, at);
}

/**
 * The set that starts after the `[` at `chars[start - 1]`: its regular expression and the
 * index after its `]`, or undefined when it has no `]` (then the `[` is literal).
 */
function parseSet(chars: string[], start: number): { source: string; next: number } | undefined {
  let j = start;
  const negated = chars[j] === "!";
  if (negated) j++;
  if (chars[j] === "]") j++; // a leading ] is a member
  while (j < chars.length && chars[j] !== "]") j++;
  if (j >= chars.length) return undefined;
  const members = chars.slice(negated ? start + 1 : start, j);
  const ranges: string[] = [];
  for (let k = 0; k < members.length;) {
    const low = members[k];
    if (members[k + 1] === "-" && k + 2 < members.length) {
      const high = members[k + 2];
      // fnmatch drops a range whose ends are out of order: it matches nothing.
      if (low.codePointAt(0)! <= high.codePointAt(0)!) ranges.push(`${unit(low)}-${unit(high)}`);
      k += 3;
    } else {
      ranges.push(unit(low));
      k += 1;
    }
  }
  const next = j + 1;
  if (ranges.length === 0) return { source: negated ? "." : "(?!)", next };
  return { source: `[${negated ? "^" : ""}${ranges.join("")}]`, next };
}

/** One code point inside a character class, written as an escape so nothing in it is special. */
function unit(c: string): string {
  return `\\u{${c.codePointAt(0)!.toString(16)}}`;
}

function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}
