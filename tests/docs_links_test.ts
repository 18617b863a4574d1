/**
 * The documentation's relative links resolve: every `[text](path)` or `[text](path#anchor)` in
 * README.md and docs/*.md names a file of this checkout, and an anchor names a heading of the
 * Markdown file it points to. Also keeps the README short and its test command the one CI runs.
 */
import { assertEquals, assertOk as assert } from "../backends/testing/assert.ts";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** README.md and every docs/*.md, as absolute paths. */
function documents(): string[] {
  const docs = [...Deno.readDirSync(join(ROOT, "docs"))]
    .filter((entry) => entry.isFile && entry.name.endsWith(".md"))
    .map((entry) => join(ROOT, "docs", entry.name));
  return [join(ROOT, "README.md"), ...docs.sort()];
}

/** Markdown text without fenced code blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
}

/** The link targets of `markdown` that are neither absolute URLs nor mail addresses. */
export function relativeLinks(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]);
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchorsOf(markdown: string): Set<string> {
  const headings = [...prose(markdown).matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => match[1]);
  return new Set(headings.map(headingAnchor));
}

/** Every broken relative link of the documents, as `file: target (why)`. */
function brokenLinks(): string[] {
  const broken: string[] = [];
  for (const doc of documents()) {
    const text = Deno.readTextFileSync(doc);
    for (const link of relativeLinks(text)) {
      const [path, anchor] = link.split("#", 2);
      const target = path === "" ? doc : join(dirname(doc), decodeURIComponent(path));
      const where = `${relative(ROOT, doc)}: ${link}`;
      let info: Deno.FileInfo;
      try {
        info = Deno.statSync(target);
      } catch {
        broken.push(`${where} (no such file)`);
        continue;
      }
      if (anchor && info.isFile && target.endsWith(".md")) {
        const anchors = anchorsOf(Deno.readTextFileSync(target));
        if (!anchors.has(anchor)) broken.push(`${where} (no heading #${anchor})`);
      }
    }
  }
  return broken;
}

Deno.test("relative links in README.md and docs/*.md resolve to files and headings", () => {
  assertEquals(brokenLinks(), []);
});

Deno.test("the link scan finds relative links and skips URLs and code", () => {
  const text = "See [a](docs/a.md), [b](b.md#x) and [web](https://x.y/z).\n" +
    "`[not](code.md)`\n```\n[nor](fenced.md)\n```\n";
  assertEquals(relativeLinks(text), ["docs/a.md", "b.md#x"]);
  assertEquals(headingAnchor("What happens when …"), "what-happens-when-");
  assertEquals(headingAnchor("`s3mpu verify`"), "s3mpu-verify");
});

Deno.test("README.md stays short and gives the test command CI runs", () => {
  const readme = Deno.readTextFileSync(join(ROOT, "README.md"));
  const bytes = new TextEncoder().encode(readme).length;
  assert(bytes <= 16 * 1024, `README.md is ${bytes} bytes; move detail to docs/ (limit 16 KiB)`);
  const ci = Deno.readTextFileSync(join(ROOT, ".ci", "run"));
  assert(ci.includes("bash scripts/test.sh"), ".ci/run no longer runs bash scripts/test.sh");
  assert(readme.includes("bash scripts/test.sh"), "README.md lost the test command CI runs");
});
