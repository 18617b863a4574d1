/**
 * Reading a tree's relative imports, for the tests that hold its layering rules
 * (backends/port_imports_test.ts, src/layers_test.ts).
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";

/** One relative import or export statement of a file. */
export interface ImportLine {
  /** The importing file, absolute. */
  from: string;
  /** 1-based line number of the statement. */
  line: number;
  specifier: string;
  /** The imported file, absolute. */
  target: string;
}

/** Every .ts file below `dir`, as absolute paths. */
export function typescriptFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory) return typescriptFiles(path);
    return entry.isFile && entry.name.endsWith(".ts") ? [path] : [];
  });
}

// A statement line: `import ... from "x"`, `export ... from "x"`, `} from "x"`, `import "x"`.
const STATEMENT =
  /^\s*(?:(?:import|export)\b.*\bfrom|\}\s*from|import)\s*["'](\.{1,2}\/[^"']+)["']/;

/** The relative imports and exports of `path`, whose text is `text`. */
export function relativeImports(path: string, text: string): ImportLine[] {
  return text.split("\n").flatMap((line, index) => {
    const specifier = line.match(STATEMENT)?.[1];
    if (!specifier) return [];
    return [{ from: path, line: index + 1, specifier, target: resolve(dirname(path), specifier) }];
  });
}
