/**
 * backends/ owns its types and helpers: no file under it imports from src/ (src/ may import
 * backends/). A new `../src/...` import fails here, with the file and line that holds it.
 */
import { assertEquals, assertOk } from "./testing/assert.ts";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const BACKENDS = fileURLToPath(new URL(".", import.meta.url));
const ROOT = resolve(BACKENDS, "..");

/** Every .ts file below `dir`, as absolute paths. */
function typescriptFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory) return typescriptFiles(path);
    return entry.isFile && entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** `file:line  specifier` for each relative import or export of `path` that resolves outside backends/. */
export function importsOutsideBackends(path: string, text: string): string[] {
  // A statement line: `import ... from "x"`, `export ... from "x"`, `} from "x"`, `import "x"`.
  const statement =
    /^\s*(?:(?:import|export)\b.*\bfrom|\}\s*from|import)\s*["'](\.{1,2}\/[^"']+)["']/;
  return text.split("\n").flatMap((line, index) => {
    const specifier = line.match(statement)?.[1];
    if (!specifier) return [];
    const outside = relative(BACKENDS, resolve(dirname(path), specifier)).startsWith("..");
    return outside ? [`${relative(ROOT, path)}:${index + 1}  ${specifier}`] : [];
  });
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
