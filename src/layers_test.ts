/**
 * The layering of src/ (docs/ARCHITECTURE.md): each layer imports only those below it, and
 * no command imports another. A forbidden import fails here with the file and line that holds
 * it. Tests and src/testing/ may reach across layers; the rules hold for the code they test.
 */
import { assertEquals, assertOk } from "../backends/testing/assert.ts";
import { relativeImports, typescriptFiles } from "../backends/testing/imports.ts";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL(".", import.meta.url));
const ROOT = resolve(SRC, "..");

/** The layers of src/, by folder; a file in src/ itself is "base" (errors, log, options). */
type Layer =
  | "commands"
  | "cli"
  | "inspect"
  | "transfer"
  | "state"
  | "plan"
  | "transport"
  | "testing"
  | "base";

/** Longest folder first, so src/cli/commands/ is "commands", not "cli". */
const FOLDERS: Array<[string, Layer]> = [
  ["cli/commands/", "commands"],
  ["cli/", "cli"],
  ["inspect/", "inspect"],
  ["transfer/", "transfer"],
  ["state/", "state"],
  ["plan/", "plan"],
  ["transport/", "transport"],
  ["testing/", "testing"],
];

/**
 * What each layer must never import. The command registry (src/cli/commands.ts) is the one
 * file of cli/ that imports the commands.
 */
const NEVER: Record<Exclude<Layer, "testing">, Layer[]> = {
  commands: [],
  cli: ["commands"],
  inspect: ["commands", "cli"],
  transfer: ["commands", "cli", "inspect"],
  state: ["commands", "cli", "inspect", "transfer"],
  plan: ["commands", "cli", "inspect", "transfer", "state"],
  transport: ["commands", "cli", "inspect", "transfer", "state", "plan"],
  base: ["commands", "cli", "inspect", "transfer", "state", "plan", "transport"],
};

const REGISTRY = join(SRC, "cli", "commands.ts");

/** The layer of an absolute path under src/. */
export function layerOf(path: string): Layer {
  const inSrc = relative(SRC, path);
  return FOLDERS.find(([folder]) => inSrc.startsWith(folder))?.[1] ?? "base";
}

/** `file:line  specifier (why)` for each import of `path` that breaks a rule. */
export function forbiddenImports(path: string, text: string): string[] {
  if (path.endsWith("_test.ts")) return [];
  const layer = layerOf(path);
  if (layer === "testing") return [];
  return relativeImports(path, text).flatMap((i) => {
    if (relative(SRC, i.target).startsWith("..")) return []; // backends/, deno.json
    const target = layerOf(i.target);
    const where = `${relative(ROOT, path)}:${i.line}  ${i.specifier}`;
    if (layer === "commands" && target === "commands") {
      return [`${where} (a command imports another command)`];
    }
    if (target === "commands" && path === REGISTRY) return [];
    if (target === "testing") return [`${where} (${layer} imports test helpers)`];
    return NEVER[layer].includes(target) ? [`${where} (${layer} imports ${target})`] : [];
  });
}

Deno.test("every file of src/ imports only what its layer may", () => {
  const files = typescriptFiles(SRC);
  assertOk(files.length > 40, `expected the src/ tree, found ${files.length} files`);
  const broken = files.flatMap((path) => forbiddenImports(path, Deno.readTextFileSync(path)));
  assertEquals(broken, []);
});

Deno.test("a forbidden import is caught, with its file, line and rule", () => {
  const at = (...parts: string[]) => join(SRC, ...parts);
  const check = (path: string, specifier: string) =>
    forbiddenImports(path, `import { x } from "node:path";\nimport { y } from "${specifier}";`);
  assertEquals(check(at("cli", "commands", "list_command.ts"), "./abort_command.ts"), [
    "src/cli/commands/list_command.ts:2  ./abort_command.ts (a command imports another command)",
  ]);
  assertEquals(check(at("transfer", "part_runner.ts"), "../cli/progress.ts"), [
    "src/transfer/part_runner.ts:2  ../cli/progress.ts (transfer imports cli)",
  ]);
  assertEquals(check(at("plan", "part_source.ts"), "../state/meta_file.ts"), [
    "src/plan/part_source.ts:2  ../state/meta_file.ts (plan imports state)",
  ]);
  assertEquals(check(at("plan", "part_source.ts"), "../transfer/upload_job.ts"), [
    "src/plan/part_source.ts:2  ../transfer/upload_job.ts (plan imports transfer)",
  ]);
  assertEquals(check(at("state", "meta_file.ts"), "../transfer/failure.ts"), [
    "src/state/meta_file.ts:2  ../transfer/failure.ts (state imports transfer)",
  ]);
  assertEquals(check(at("state", "meta_file.ts"), "../cli/values.ts"), [
    "src/state/meta_file.ts:2  ../cli/values.ts (state imports cli)",
  ]);
  // Allowed: down the layers, the registry's imports of the commands, and any test file.
  assertEquals(check(at("cli", "commands", "list_command.ts"), "../../transfer/failure.ts"), []);
  assertEquals(check(at("cli", "commands.ts"), "./commands/list_command.ts"), []);
  assertEquals(check(at("transfer", "part_runner_test.ts"), "../cli/progress.ts"), []);
});
