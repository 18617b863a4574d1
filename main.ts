/**
 * s3mpu: resumable multipart uploads to S3 and S3-compatible stores.
 * `deno run -A main.ts <command> …` runs the same CLI as the compiled binary.
 */
import { runCli } from "./src/cli/run_cli.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
