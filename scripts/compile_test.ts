/**
 * Tests of scripts/compile.ts and scripts/denort.ts that need no network and no denort: the
 * target list and file names, the permission flags (also exercised by running the generated
 * entry with `deno run` and exactly those flags), base-binary checks, the messages when the
 * base binary is missing or wrong, zip extraction and SHA256SUMS.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  assertEquals,
  assertMatch,
  assertOk,
  assertRejects,
  assertThrows,
} from "../backends/testing/assert.ts";
import denoConfig from "../deno.json" with { type: "json" };
import {
  baseBinaryHelp,
  chooseBases,
  isBaseBinaryFailure,
  underlyingError,
} from "./base_binary.ts";
import {
  BuildError,
  compileArgs,
  entrySource,
  outputName,
  parseArgs,
  PERMISSION_FLAGS,
  UsageError,
  V8_FLAGS,
} from "./compile_options.ts";
import { sha256File, sha256sumsText, smokeTest } from "./compile.ts";
import {
  BaseBinaryError,
  checkBaseBinary,
  describeExecutable,
  extractFromZip,
  streamContains,
  type Target,
  TARGETS,
} from "./denort.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const COMPILE = join(ROOT, "scripts", "compile.ts");

/** Column `column` (from 0) of every row of the Markdown table whose header starts `header`. */
function tableColumn(markdown: string, header: string, column = 0): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`| ${header}`));
  assertOk(start >= 0, `a table headed "${header}"`);
  const rows = lines.slice(start + 2);
  const end = rows.findIndex((line) => !line.startsWith("|"));
  return rows.slice(0, end < 0 ? rows.length : end).map((row) => row.split("|")[column + 1].trim());
}

const INSTALL_DOC = Deno.readTextFileSync(join(ROOT, "docs", "install.md"));

Deno.test("targets and output file names are the ones docs/install.md lists", () => {
  assertEquals([...TARGETS], [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
  ]);
  assertEquals(
    TARGETS.map((target) => `\`${outputName(target)}\``),
    tableColumn(INSTALL_DOC, "Platform", 1),
  );
  assertMatch(outputName("x86_64-pc-windows-msvc"), /\.exe$/);
});

Deno.test("permission flags are the ones docs/install.md explains, and the compile command line", () => {
  assertEquals(PERMISSION_FLAGS.map((flag) => `\`${flag}\``), tableColumn(INSTALL_DOC, "Flag"));
  assertEquals(
    compileArgs(
      "aarch64-apple-darwin",
      "/r/dist/.build-x/main.ts",
      "/r/dist/s3mpu-a",
      "/r/deno.json",
    ),
    [
      "compile",
      "--no-check",
      "--config",
      "/r/deno.json",
      "--exclude-unused-npm",
      ...PERMISSION_FLAGS,
      "--v8-flags=--max-semi-space-size=1",
      "--target",
      "aarch64-apple-darwin",
      "--output",
      "/r/dist/s3mpu-a",
      "/r/dist/.build-x/main.ts",
    ],
  );
});

Deno.test("the benchmark runs s3mpu with the V8 flags the binary is compiled with", () => {
  const bench = Deno.readTextFileSync(join(ROOT, "scripts", "bench.sh"));
  assertMatch(bench, new RegExp(`s3mpu_v8_flags="${V8_FLAGS.join(",")}"`));
});

Deno.test("parseArgs", () => {
  const host = "x86_64-unknown-linux-gnu";
  const base = { outDir: "dist", check: true, verbose: false, skipBaseCheck: false };
  assertEquals(parseArgs([], host), { ...base, targets: [host] });
  assertEquals(parseArgs(["--all"], host), { ...base, targets: [...TARGETS] });
  assertEquals(
    parseArgs(
      ["--target", "x86_64-apple-darwin", "--target", "x86_64-apple-darwin", "--no-check"],
      host,
    ),
    { ...base, check: false, targets: ["x86_64-apple-darwin"] },
  );
  assertEquals(parseArgs(["--out-dir", "out", "--verbose"], host), {
    ...base,
    outDir: "out",
    verbose: true,
    targets: [host],
  });
  assertEquals(parseArgs(["--help"], host), "help");
  assertEquals(parseArgs(["--print-permissions"], host), "print-permissions");
  assertThrows(() => parseArgs(["--target", "mips"], host), UsageError, /Unknown target "mips"/);
  assertThrows(() => parseArgs(["--all", "--target", host], host), UsageError, /not both/);
  assertThrows(() => parseArgs(["--out-dir"], host), UsageError, /--out-dir needs a value/);
  assertThrows(() => parseArgs(["--bogus"], host), UsageError, /Unknown argument "--bogus"/);
  assertThrows(
    () => parseArgs([], "x86_64-unknown-linux-musl"),
    UsageError,
    /This platform \(x86_64-unknown-linux-musl\) is not a release target/,
  );
});

/** Minimal headers of the three executable formats. */
function elf(machine: number): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
  new DataView(b.buffer).setUint16(18, machine, true);
  return b;
}
function macho(cpu: number): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0xfeedfacf, true);
  v.setUint32(4, cpu, true);
  return b;
}
function pe(machine: number): Uint8Array {
  const b = new Uint8Array(0x100);
  const v = new DataView(b.buffer);
  b.set([0x4d, 0x5a]);
  v.setUint32(0x3c, 0x80, true);
  v.setUint32(0x80, 0x50450000);
  v.setUint16(0x84, machine, true);
  return b;
}
const HEADERS: Record<Target, Uint8Array> = {
  "x86_64-unknown-linux-gnu": elf(0x3e),
  "aarch64-unknown-linux-gnu": elf(0xb7),
  "x86_64-apple-darwin": macho(0x01000007),
  "aarch64-apple-darwin": macho(0x0100000c),
  "x86_64-pc-windows-msvc": pe(0x8664),
};

Deno.test("describeExecutable reads format and architecture", () => {
  assertEquals(describeExecutable(elf(0x3e)), { format: "ELF", arch: "x86_64" });
  assertEquals(describeExecutable(elf(0xb7)), { format: "ELF", arch: "aarch64" });
  assertEquals(describeExecutable(elf(0x28)), { format: "ELF", arch: "machine 0x28" });
  assertEquals(describeExecutable(macho(0x01000007)), { format: "Mach-O", arch: "x86_64" });
  assertEquals(describeExecutable(macho(0x0100000c)), { format: "Mach-O", arch: "aarch64" });
  assertEquals(describeExecutable(new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2])), {
    format: "Mach-O",
    arch: "universal (fat) binary",
  });
  assertEquals(describeExecutable(pe(0x8664)), { format: "PE", arch: "x86_64" });
  assertEquals(describeExecutable(pe(0xaa64)), { format: "PE", arch: "aarch64" });
  assertEquals(describeExecutable(new TextEncoder().encode("#!/bin/sh\n")), {
    format: "unknown",
    arch: "unknown",
  });
  assertEquals(describeExecutable(new Uint8Array(0)), { format: "unknown", arch: "unknown" });
});

Deno.test("streamContains finds a needle split across chunks", async () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  async function* chunks(...parts: string[]) {
    for (const p of parts) yield enc(p);
  }
  assertEquals(
    await streamContains(chunks("xxSetting up ba", "se binary.yy"), "Setting up base binary."),
    true,
  );
  assertEquals(await streamContains(chunks("S", "e", "t"), "Set"), true);
  assertEquals(
    await streamContains(chunks("Setting up base", " binar"), "Setting up base binary."),
    false,
  );
});

async function tempFile(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "s3mpu-denort-" });
  await Deno.writeFile(path, bytes);
  return path;
}

Deno.test("checkBaseBinary accepts a denort-like file of the right kind", async () => {
  for (const target of TARGETS) {
    const path = await tempFile(HEADERS[target]);
    await checkBaseBinary(path, target, `DENORT_BIN (${path})`, "2.9.6");
    await Deno.remove(path);
  }
});

Deno.test("checkBaseBinary: missing file, directory, wrong architecture", async () => {
  await assertRejects(
    () =>
      checkBaseBinary(
        "/nonexistent/denort",
        "x86_64-unknown-linux-gnu",
        "DENORT_BIN (/nonexistent/denort)",
        "2.9.6",
      ),
    BaseBinaryError,
    /^DENORT_BIN \(\/nonexistent\/denort\) cannot be read \(.*\)\. It must be the denort of Deno 2\.9\.6 for x86_64-unknown-linux-gnu, from denort-x86_64-unknown-linux-gnu\.zip \(https:\/\/dl\.deno\.land\/release\/v2\.9\.6\/denort-x86_64-unknown-linux-gnu\.zip\)\.$/,
  );
  const dir = await Deno.makeTempDir();
  await assertRejects(
    () => checkBaseBinary(dir, "x86_64-unknown-linux-gnu", "DENORT_BIN (dir)", "2.9.6"),
    BaseBinaryError,
    /^DENORT_BIN \(dir\) is not a file\. It must be/,
  );
  await Deno.remove(dir);
  const linux = await tempFile(HEADERS["x86_64-unknown-linux-gnu"]);
  const error = await assertRejects(
    () => checkBaseBinary(linux, "aarch64-apple-darwin", "The denort in /d/x.zip", "2.9.6"),
    BaseBinaryError,
  );
  assertEquals(
    error.message,
    "The denort in /d/x.zip is an ELF x86_64 executable, but aarch64-apple-darwin needs a Mach-O aarch64 executable. It must be the denort of Deno 2.9.6 for aarch64-apple-darwin, from denort-aarch64-apple-darwin.zip (https://dl.deno.land/release/v2.9.6/denort-aarch64-apple-darwin.zip).",
  );
  await Deno.remove(linux);
  const script = await tempFile(new TextEncoder().encode("#!/bin/sh\necho hi\n"));
  await assertRejects(
    () => checkBaseBinary(script, "x86_64-unknown-linux-gnu", "DENORT_BIN (s)", "2.9.6"),
    BaseBinaryError,
    /^DENORT_BIN \(s\) is not an executable this build knows, but x86_64-unknown-linux-gnu needs an ELF x86_64/,
  );
  await Deno.remove(script);
});

Deno.test("checkBaseBinary rejects the deno CLI (a fake one, and the real one running this test)", async () => {
  const fake = new Uint8Array(200_000);
  fake.set(HEADERS["aarch64-unknown-linux-gnu"]);
  fake.set(
    new TextEncoder().encode("...deno::standalone::binary Setting up base binary. ..."),
    131_070,
  );
  const path = await tempFile(fake);
  await assertRejects(
    () => checkBaseBinary(path, "aarch64-unknown-linux-gnu", "DENORT_BIN (fake)", "2.9.6"),
    BaseBinaryError,
    /^DENORT_BIN \(fake\) is the deno CLI, not denort: it contains "Setting up base binary\.", part of deno compile itself\. deno compile accepts it, but the result runs as plain deno/,
  );
  await Deno.remove(path);
  const host = Deno.build.target;
  if ((TARGETS as readonly string[]).includes(host)) {
    await assertRejects(
      () => checkBaseBinary(Deno.execPath(), host as Target, "deno", Deno.version.deno),
      BaseBinaryError,
      /is the deno CLI, not denort/,
    );
  }
});

/** Made by Python's zipfile: README.txt (stored) and denort (deflated; an ELF aarch64 header + text). */
const ZIP_BASE64 =
  "UEsDBBQAAAAAAAAAIQDGqR6VDAAAAAwAAAAKAAAAUkVBRE1FLnR4dHN0b3JlZCBlbnRyeVBLAwQUAAAACAAAACEAHfaJyCQAAAAuAwAABgAAAGRlbm9ydKt39XFjYmRAAtsZSAEpqXn5RSUKRaV5JZm5qQqj3FHuMOYCAFBLAQIUAxQAAAAAAAAAIQDGqR6VDAAAAAwAAAAKAAAAAAAAAAAAAACAAQAAAABSRUFETUUudHh0UEsBAhQDFAAAAAgAAAAhAB32icgkAAAALgMAAAYAAAAAAAAAAAAAAIABNAAAAGRlbm9ydFBLBQYAAAAAAgACAGwAAAB8AAAAAAA=";

Deno.test("extractFromZip: deflated and stored entries, missing entry, not a zip", async () => {
  const zip = Uint8Array.from(atob(ZIP_BASE64), (c) => c.charCodeAt(0));
  const denort = await extractFromZip(zip, "denort");
  assertEquals(denort.length, 814);
  assertEquals(describeExecutable(denort), { format: "ELF", arch: "aarch64" });
  assertEquals(new TextDecoder().decode(denort.subarray(64, 79)), "denort runtime ");
  assertEquals(new TextDecoder().decode(await extractFromZip(zip, "README.txt")), "stored entry");
  await assertRejects(
    () => extractFromZip(zip, "denort.exe"),
    Error,
    /^no denort\.exe in the archive \(it holds: README\.txt, denort\)$/,
  );
  await assertRejects(() => extractFromZip(new Uint8Array(100), "denort"), Error, /not a zip/);
});

Deno.test("chooseBases: DENORT_BIN, S3MPU_DENORT_DIR, or deno's own download", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const linux: Target = "x86_64-unknown-linux-gnu";
  const win: Target = "x86_64-pc-windows-msvc";
  const mac: Target = "aarch64-apple-darwin";
  assertEquals(chooseBases([linux, mac], env({}), () => false), new Map([[linux, {}], [mac, {}]]));
  assertEquals(
    chooseBases([linux], env({ DENORT_BIN: "/d/denort", S3MPU_DENORT_DIR: "/x" }), () => false),
    new Map([[linux, { path: "/d/denort", label: "DENORT_BIN (/d/denort)" }]]),
  );
  assertThrows(
    () => chooseBases([linux, mac], env({ DENORT_BIN: "/d/denort" }), () => false),
    UsageError,
    /^DENORT_BIN names one base binary, but this build has 2 targets \(x86_64-unknown-linux-gnu, aarch64-apple-darwin\)\. Build one --target at a time, or put each target's denort-<target>\.zip in a directory and set S3MPU_DENORT_DIR to it instead\.$/,
  );
  const files = new Set([
    "/dir/denort-x86_64-pc-windows-msvc.exe",
    "/dir/denort-aarch64-apple-darwin.zip",
  ]);
  assertEquals(
    chooseBases([win, mac], env({ S3MPU_DENORT_DIR: "/dir" }), (p) => files.has(p)),
    new Map<Target, object>([
      [win, {
        path: "/dir/denort-x86_64-pc-windows-msvc.exe",
        label: "/dir/denort-x86_64-pc-windows-msvc.exe",
      }],
      [mac, {
        zip: "/dir/denort-aarch64-apple-darwin.zip",
        label: "The denort in /dir/denort-aarch64-apple-darwin.zip",
      }],
    ]),
  );
  assertThrows(
    () => chooseBases([linux], env({ S3MPU_DENORT_DIR: "/dir" }), (p) => files.has(p)),
    UsageError,
    /^S3MPU_DENORT_DIR is \/dir, which has neither denort-x86_64-unknown-linux-gnu\.zip nor denort-x86_64-unknown-linux-gnu for target x86_64-unknown-linux-gnu\.$/,
  );
});

/** What deno compile 2.9.6 printed here, where dl.deno.land does not resolve. */
const OFFLINE_OUTPUT = `Compile dist/.build-x/main.ts to dist/s3mpu-x86_64-unknown-linux-gnu
Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip
error: Writing deno compile executable to temporary file '/work/main/dist/s3mpu-x86_64-unknown-linux-gnu.tmp-5061a2261dc2c5c6'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known
    2: client error (Connect)
    3: dns error
    4: failed to lookup address information: Name or service not known

Stack backtrace:
   0: <unknown>
`;

Deno.test("a failed base binary download is recognised and explained", () => {
  assertEquals(isBaseBinaryFailure(OFFLINE_OUTPUT), true);
  assertEquals(isBaseBinaryFailure('error: Module not found "file:///x.ts"'), false);
  const underlying = underlyingError(OFFLINE_OUTPUT);
  assertEquals(
    underlying.split("\n")[0],
    "error: Writing deno compile executable to temporary file '/work/main/dist/s3mpu-x86_64-unknown-linux-gnu.tmp-5061a2261dc2c5c6'",
  );
  assertEquals(underlying.includes("Stack backtrace"), false);
  assertEquals(
    underlying.endsWith("4: failed to lookup address information: Name or service not known"),
    true,
  );
  const help = baseBinaryHelp("x86_64-unknown-linux-gnu", "2.9.6", underlying, "/root/.cache/deno");
  const lines = help.split("\n");
  assertEquals(
    lines[0],
    "Cannot build s3mpu-x86_64-unknown-linux-gnu: deno compile needs its base binary, denort 2.9.6 for x86_64-unknown-linux-gnu, and could not get it. deno compile said:",
  );
  assertEquals(
    lines.includes(
      "        1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known",
    ),
    true,
  );
  assertEquals(lines.slice(-5), [
    "It downloads denort-x86_64-unknown-linux-gnu.zip from https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip. Where that site is not reachable, fetch the same file on a machine that can reach it (or from https://github.com/denoland/deno/releases/download/v2.9.6/denort-x86_64-unknown-linux-gnu.zip), copy it here, and then either:",
    "  - unzip it and run: DENORT_BIN=/path/to/denort deno task compile --target x86_64-unknown-linux-gnu",
    "  - or put the zip (one per target) in a directory and run: S3MPU_DENORT_DIR=/path/to/dir deno task compile [--all]",
    "  - or copy the zip to /root/.cache/deno/dl/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip, where deno compile looks before downloading.",
    "denort must be exactly version 2.9.6, the Deno running this build. The deno executable itself (the npm package deno) is not denort and cannot be the base.",
  ]);
});

Deno.test("SHA256SUMS is sha256sum's format, sorted; sha256File hashes the file", async () => {
  assertEquals(
    sha256sumsText([{ name: "s3mpu-b", sha256: "bb" }, { name: "s3mpu-a.exe", sha256: "aa" }]),
    "aa  s3mpu-a.exe\nbb  s3mpu-b\n",
  );
  const path = await tempFile(new TextEncoder().encode("abc"));
  assertEquals(
    await sha256File(path),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  await Deno.remove(path);
});

async function deno(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("the generated entry records the build; it runs with exactly the binary's permissions", async () => {
  // Where compile.ts puts it: under dist/ (ignored by git, fmt, lint and test).
  await Deno.mkdir(join(ROOT, "dist"), { recursive: true });
  const dir = await Deno.makeTempDir({ dir: join(ROOT, "dist"), prefix: ".entry-test-" });
  try {
    const source = entrySource({ commit: "abc123def456", date: "2026-01-02T03:04:05Z" }, ROOT, dir);
    assertMatch(source, /import \{ setBuildInfo \} from "\.\.\/\.\.\/src\/build_info\.ts";/);
    const entry = join(dir, "main.ts");
    await Deno.writeTextFile(entry, source);
    const version = await deno(["run", ...PERMISSION_FLAGS, entry, "--version"]);
    assertEquals(version.code, 0, version.stderr);
    assertEquals(
      version.stdout,
      `s3mpu ${denoConfig.version} (commit abc123def456, built 2026-01-02T03:04:05Z; deno ${Deno.version.deno}, ${Deno.build.target})\n`,
    );
    const help = await deno(["run", ...PERMISSION_FLAGS, entry, "upload", "--help"]);
    assertEquals(help.code, 0, help.stderr);
    assertMatch(help.stdout, /^Usage:\n {2}s3mpu upload -b BUCKET/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno run main.ts --version is a dev build", async () => {
  const run = await deno(["run", ...PERMISSION_FLAGS, "main.ts", "--version"]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(
    run.stdout,
    `s3mpu ${denoConfig.version} (dev build; deno ${Deno.version.deno}, ${Deno.build.target})\n`,
  );
});

Deno.test("compile.ts: --print-permissions needs no permissions", async () => {
  const run = await deno(["run", "--no-prompt", COMPILE, "--print-permissions"]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stdout, PERMISSION_FLAGS.join("\n") + "\n");
});

Deno.test("compile.ts stops with exit 1 and says what is needed when DENORT_BIN is wrong", async () => {
  const missing = await deno(["run", "-A", COMPILE, "--no-check"], {
    DENORT_BIN: "/nonexistent/denort",
  });
  assertEquals(missing.code, 1, missing.stderr);
  assertMatch(
    missing.stderr,
    /^compile: error: DENORT_BIN \(\/nonexistent\/denort\) cannot be read \(.+\)\. It must be the denort of Deno \d+\.\d+\.\d+ for [\w-]+, from denort-[\w-]+\.zip \(https:\/\/dl\.deno\.land\/release\/v[\d.]+\/denort-[\w-]+\.zip\)\.\n$/,
  );
  const cli = await deno(["run", "-A", COMPILE, "--no-check"], { DENORT_BIN: Deno.execPath() });
  assertEquals(cli.code, 1, cli.stderr);
  assertMatch(cli.stderr, /is the deno CLI, not denort/);
  const all = await deno(["run", "-A", COMPILE, "--all"], { DENORT_BIN: Deno.execPath() });
  assertEquals(all.code, 2, all.stderr);
  assertMatch(all.stderr, /DENORT_BIN names one base binary, but this build has 5 targets/);
  const bad = await deno(["run", "-A", COMPILE, "--target", "sparc"]);
  assertEquals(bad.code, 2, bad.stderr);
  assertMatch(bad.stderr, /^compile: error: Unknown target "sparc"; use one of /);
});

Deno.test("smokeTest keeps a binary that runs as s3mpu and deletes one that runs as deno", async () => {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-smoke-" });
  const script = async (name: string, body: string) => {
    const path = join(dir, name);
    await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return path;
  };
  const good = await script(
    "good",
    `if [ "$1" = --version ]; then echo "s3mpu 0.1.0 (commit c0ffee, built x; deno 2.9.6, t)"; else echo "Usage:"; fi`,
  );
  await smokeTest(good, "c0ffee");
  assertEquals((await Deno.stat(good)).isFile, true);
  const asDeno = await script(
    "as-deno",
    `echo "deno 2.9.6 (stable, release, x86_64-unknown-linux-gnu)"`,
  );
  await assertRejects(
    () => smokeTest(asDeno, "c0ffee"),
    BuildError,
    /printed "deno 2\.9\.6 \(stable, release, x86_64-unknown-linux-gnu\)" \(exit 0\)\. Its base binary is the deno CLI, not denort: point DENORT_BIN at denort\. The file was deleted\.$/,
  );
  assertEquals(await Deno.stat(asDeno).then(() => true, () => false), false);
  await Deno.remove(dir, { recursive: true });
});
