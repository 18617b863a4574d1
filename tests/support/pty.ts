/**
 * Runs a command on a pseudo-terminal (util-linux `script`), so the CLI draws what users
 * see on a terminal.
 *
 * @module
 */

/** Whether util-linux `script` is available. */
export const hasScript = await new Deno.Command("script", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);

/** Quotes `arg` for sh. */
export function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs the sh command line `command` with stdin, stdout and stderr on a pseudo-terminal
 * 100 columns wide; returns its exit code and everything it drew.
 */
export async function runShellInPty(command: string, env: Record<string, string>) {
  const output = await new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    env: { COLUMNS: "100", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, text: new TextDecoder().decode(output.stdout) };
}

/** What the terminal ends up showing on each line: the text after the last carriage return. */
export function visibleLines(text: string): string[] {
  return text.split("\n").map((line) => line.replace(/\r$/, "")).map((line) =>
    line.slice(line.lastIndexOf("\r") + 1)
  ).filter((line) => line.trim() !== "");
}
