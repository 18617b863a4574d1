/**
 * backends/ owns its types and helpers: no file under it imports from src/ (src/ may import
 * backends/). A new `../src/...` import fails here, with the file and line that holds it.
 */
import { assertEquals, assertOk } from "./testing/assert.ts";
import { join, relative, resolve } from "node:path";
import { relativeImports, typescriptFiles } from "./testing/imports.ts";
import { fileURLToPath } from "node:url";

const BACKENDS = fileURLToPath(new URL(".", import.meta.url));
const ROOT = resolve(BACKENDS, "..");

/** `file:line  specifier` for each relative import or export of `path` that resolves outside backends/. */
export function importsOutsideBackends(path: string, text: string): string[] {
  return relativeImports(path, text)
    .filter((i) => relative(BACKENDS, i.target).startsWith(".."))
    .map((i) => `${relative(ROOT, path)}:${i.line}  ${i.specifier}`);
}

Deno.test("no file under backends/ imports from outside it", () => {
  const files = typescriptFiles(BACKENDS);
  assertOk(files.length > 20, `expected the backends/ tree, found ${files.length} files`);
  const outside = files.flatMap((path) =>
    importsOutsideBackends(path, Deno.readTextFileSync(path))
  );
  assertEquals(outside, []);
});

Deno.test("an import of src/ from backends/ is caught", () => {
  const path = join(BACKENDS, "s3", "example.ts");
  assertEquals(
    importsOutsideBackends(
      path,
      [
        'import { x } from "./y.ts";',
        'import { a } from "../../src/b.ts";',
        '} from "../../src/c.ts";',
        'export type { D } from "../types.ts";',
      ].join("\n"),
    ),
    ["backends/s3/example.ts:2  ../../src/b.ts", "backends/s3/example.ts:3  ../../src/c.ts"],
  );
});
