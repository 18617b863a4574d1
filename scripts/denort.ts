/**
 * Checks a denort base binary before `deno compile` uses it (`DENORT_BIN`), and unpacks the
 * `denort-<target>.zip` files the Deno release publishes. Used by scripts/compile.ts.
 *
 * `deno compile` writes the program into a copy of denort, a runtime that runs the program
 * embedded in its own executable. Given any other executable as DENORT_BIN it still "succeeds",
 * and the result runs as that executable: with the `deno` CLI from the npm package as the base,
 * `s3mpu --version` prints Deno's version and `s3mpu upload` says `Module not found
 * "file:///…/upload"`. So the base is checked here: right format and architecture for the
 * target, and not the deno CLI.
 *
 * @module
 */

/** The platforms `deno compile --target` builds for that s3mpu ships. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** One of {@link TARGETS}. */
export type Target = typeof TARGETS[number];

/** Executable formats by operating system. */
export type ExecutableFormat = "ELF" | "Mach-O" | "PE";

/** What the header of an executable says. */
export interface ExecutableKind {
  format: ExecutableFormat | "unknown";
  /** "x86_64", "aarch64", or a description of another machine type. */
  arch: string;
}

/** The format and architecture `target` needs. */
export function targetKind(target: Target): { format: ExecutableFormat; arch: string } {
  const arch = target.split("-")[0];
  if (target.includes("-linux-")) return { format: "ELF", arch };
  if (target.includes("-apple-")) return { format: "Mach-O", arch };
  return { format: "PE", arch };
}

/** Whether `name` is one of {@link TARGETS}. */
export function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}

/** Reads the format and CPU architecture from the first bytes (64 KiB is plenty) of a file. */
export function describeExecutable(header: Uint8Array): ExecutableKind {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const has = (n: number) => header.byteLength >= n;
  // ELF: 7f 45 4c 46; e_machine (u16) at 18, little-endian on both targets.
  if (has(20) && view.getUint32(0) === 0x7f454c46) {
    const machine = view.getUint16(18, header[5] !== 2);
    return { format: "ELF", arch: ELF_MACHINES[machine] ?? `machine 0x${machine.toString(16)}` };
  }
  // Mach-O 64-bit, little-endian: cf fa ed fe; cputype (u32) at 4.
  if (has(8) && view.getUint32(0, true) === 0xfeedfacf) {
    const cpu = view.getUint32(4, true);
    return { format: "Mach-O", arch: MACHO_CPUS[cpu] ?? `cputype 0x${cpu.toString(16)}` };
  }
  if (has(4) && (view.getUint32(0) === 0xcafebabe || view.getUint32(0) === 0xbebafeca)) {
    return { format: "Mach-O", arch: "universal (fat) binary" };
  }
  // PE: "MZ", e_lfanew (u32) at 0x3c, "PE\0\0", then Machine (u16).
  if (has(0x40) && header[0] === 0x4d && header[1] === 0x5a) {
    const pe = view.getUint32(0x3c, true);
    if (has(pe + 6) && view.getUint32(pe) === 0x50450000) {
      const machine = view.getUint16(pe + 4, true);
      return { format: "PE", arch: PE_MACHINES[machine] ?? `machine 0x${machine.toString(16)}` };
    }
    return { format: "PE", arch: "unknown (no PE header)" };
  }
  return { format: "unknown", arch: "unknown" };
}

const ELF_MACHINES: Record<number, string> = { 0x3e: "x86_64", 0xb7: "aarch64" };
const MACHO_CPUS: Record<number, string> = { 0x01000007: "x86_64", 0x0100000c: "aarch64" };
const PE_MACHINES: Record<number, string> = { 0x8664: "x86_64", 0xaa64: "aarch64" };

/**
 * Strings only the full deno CLI contains: they belong to `deno compile` itself, which denort
 * (the runtime half) does not carry.
 */
export const DENO_CLI_MARKERS = ["Setting up base binary.", "Writing deno compile executable"];

/** Whether the byte stream contains `needle`, across chunk boundaries. */
export async function streamContains(
  chunks: AsyncIterable<Uint8Array>,
  needle: string,
): Promise<boolean> {
  const bytes = new TextEncoder().encode(needle);
  let carry = new Uint8Array(0);
  for await (const chunk of chunks) {
    const buffer = new Uint8Array(carry.length + chunk.length);
    buffer.set(carry);
    buffer.set(chunk, carry.length);
    if (indexOfBytes(buffer, bytes) >= 0) return true;
    carry = buffer.slice(Math.max(0, buffer.length - bytes.length + 1));
  }
  return false;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  for (let i = haystack.indexOf(first); i >= 0; i = haystack.indexOf(first, i + 1)) {
    if (i + needle.length > haystack.length) return -1;
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** A problem with a base binary; the message says what to do. */
export class BaseBinaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BaseBinaryError";
  }
}

/**
 * Checks that `path` can be the denort base binary for `target`: a file of the target's
 * executable format and architecture that is not the deno CLI. `label` names it in messages,
 * e.g. "DENORT_BIN (/opt/denort)".
 */
export async function checkBaseBinary(
  path: string,
  target: Target,
  label: string,
  denoVersion: string,
): Promise<void> {
  const wanted = targetKind(target);
  const need = `It must be the denort of Deno ${denoVersion} for ${target}, from ${
    denortZipName(target)
  } (${denortUrls(target, denoVersion)[0]}).`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new BaseBinaryError(`${label} cannot be read (${(error as Error).message}). ${need}`);
  }
  if (!info.isFile) throw new BaseBinaryError(`${label} is not a file. ${need}`);
  using file = await Deno.open(path);
  const header = new Uint8Array(64 * 1024);
  const read = (await file.read(header)) ?? 0;
  const kind = describeExecutable(header.subarray(0, read));
  if (kind.format !== wanted.format || kind.arch !== wanted.arch) {
    const found = kind.format === "unknown"
      ? "not an executable this build knows"
      : `${article(kind.format)} ${kind.format} ${kind.arch} executable`;
    throw new BaseBinaryError(
      `${label} is ${found}, but ${target} needs ${
        article(wanted.format)
      } ${wanted.format} ${wanted.arch} executable. ${need}`,
    );
  }
  await file.seek(0, Deno.SeekMode.Start);
  if (await streamContains(file.readable, DENO_CLI_MARKERS[0])) {
    throw new BaseBinaryError(
      `${label} is the deno CLI, not denort: it contains "${
        DENO_CLI_MARKERS[0]
      }", part of deno compile itself. deno compile accepts it, but the result runs as plain deno and ignores the embedded program (s3mpu --version prints Deno's version). ${need}`,
    );
  }
}

function article(format: string): string {
  return format === "ELF" ? "an" : "a";
}

/** The release asset holding denort for `target`, e.g. denort-x86_64-unknown-linux-gnu.zip. */
export function denortZipName(target: Target): string {
  return `denort-${target}.zip`;
}

/** Where Deno publishes that asset for `version`: its download site, then GitHub releases. */
export function denortUrls(target: Target, version: string): string[] {
  return [
    `https://dl.deno.land/release/v${version}/${denortZipName(target)}`,
    `https://github.com/denoland/deno/releases/download/v${version}/${denortZipName(target)}`,
  ];
}

/** The executable's name inside the zip: denort, or denort.exe for Windows. */
export function denortExeName(target: Target): string {
  return target.includes("-windows-") ? "denort.exe" : "denort";
}

/**
 * Extracts the file `name` from a zip archive (stored or deflated entries; no zip64). Enough
 * for Deno's release zips, which hold one executable.
 */
export async function extractFromZip(zip: Uint8Array, name: string): Promise<Uint8Array> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
  const entries = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (offset === 0xffffffff) throw new Error("zip64 archives are not supported; unzip it first");
  const names: string[] = [];
  for (let n = 0; n < entries; n++) {
    if (view.getUint32(offset, true) !== 0x02014b50) throw new Error("corrupt central directory");
    const method = view.getUint16(offset + 10, true);
    const compressedSize = view.getUint32(offset + 20, true);
    const size = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const local = view.getUint32(offset + 42, true);
    const entryName = new TextDecoder().decode(zip.subarray(offset + 46, offset + 46 + nameLength));
    names.push(entryName);
    offset += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    if (compressedSize === 0xffffffff || size === 0xffffffff || local === 0xffffffff) {
      throw new Error("zip64 entries are not supported; unzip it first");
    }
    if (view.getUint32(local, true) !== 0x04034b50) throw new Error("corrupt local header");
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = zip.subarray(start, start + compressedSize);
    let bytes: Uint8Array;
    if (method === 0) {
      bytes = data.slice();
    } else if (method === 8) {
      const stream = new Blob([new Uint8Array(data)]).stream().pipeThrough(
        new DecompressionStream("deflate-raw"),
      );
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    } else {
      throw new Error(`unsupported compression method ${method} for ${name}`);
    }
    if (bytes.length !== size) {
      throw new Error(`${name} unpacked to ${bytes.length} bytes, expected ${size}`);
    }
    return bytes;
  }
  throw new Error(`no ${name} in the archive (it holds: ${names.join(", ") || "nothing"})`);
}
