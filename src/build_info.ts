/**
 * What `s3mpu --version` says about the build. Running from source (`deno run main.ts`) it
 * is a "dev" build; `scripts/compile.ts` compiles a generated entry module that calls
 * {@link setBuildInfo} with the git commit and build date before the CLI starts, so the
 * compiled binary reports them. The target is `Deno.build.target`: in a compiled binary that
 * is the platform of the denort base binary, i.e. the `--target` it was built for.
 *
 * @module
 */

/** The build facts embedded by `scripts/compile.ts`. */
export interface BuildInfo {
  /** Git commit the binary was built from; "dev" when running from source. */
  commit: string;
  /** When the binary was built, ISO 8601 UTC (e.g. 2026-11-24T20:00:00Z); "" for dev. */
  date: string;
}

const current: BuildInfo = { commit: "dev", date: "" };

/** The build info of this process. */
export function buildInfo(): Readonly<BuildInfo> {
  return current;
}

/** Records the build info. Called only by the entry module that scripts/compile.ts writes. */
export function setBuildInfo(info: BuildInfo): void {
  current.commit = info.commit;
  current.date = info.date;
}
