/**
 * `s3mpu completions bash|zsh|fish`, loaded by the real shells (Debian's bash, zsh and
 * fish; scripts/test.sh installs them). A shell that is absent skips its test, saying so.
 */
import { assertEquals, assertMatch } from "../backends/testing/assert.ts";
import { runS3mpu } from "./support/cli.ts";

const shells = Object.fromEntries(
  await Promise.all(
    ["bash", "zsh", "fish"].map(async (shell) =>
      [
        shell,
        await new Deno.Command(shell, { args: ["-c", "exit 0"], stdout: "null", stderr: "null" })
          .output().then((o) => o.success, () => false),
      ] as const
    ),
  ),
);
for (const [shell, present] of Object.entries(shells)) {
  if (!present) {
    console.warn(
      `completions_test: the ${shell} test is skipped: ${shell} is not installed (apt-get install ${shell}).`,
    );
  }
}

async function script(shell: string): Promise<string> {
  const run = await runS3mpu(["completions", shell]);
  assertEquals(run.code, 0, run.stderr);
  const path = await Deno.makeTempFile({ suffix: `.${shell}` });
  await Deno.writeTextFile(path, run.stdout);
  return path;
}

async function sh(shell: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(shell, { args, stdout: "piped", stderr: "piped" }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertEquals(stderr, "", "the script loads without errors");
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: "bash completes commands, options and option values",
  ignore: !shells.bash,
  async fn() {
    const file = await script("bash");
    const complete = (words: string[]) =>
      sh("bash", [
        "-c",
        `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${
          words.length - 1
        }; _s3mpu; printf '%s\\n' "\${COMPREPLY[@]}"; complete -p s3mpu`,
      ]);
    assertMatch(await complete(["s3mpu", "up"]), /^upload\ncomplete .*-F _s3mpu s3mpu\n$/);
    assertMatch(await complete(["s3mpu", "upload", "--storage-c"]), /^--storage-class\n/);
    assertMatch(
      await complete(["s3mpu", "upload", "--acl", "bucket-owner-f"]),
      /^bucket-owner-full-control\n/,
    );
    assertMatch(await complete(["s3mpu", "list", "--old"]), /^--older-than\n/);
    assertMatch(await complete(["s3mpu", "completions", "f"]), /^fish\n/);
  },
});

Deno.test({
  name: "zsh loads the completion, registers it, and completes a typed line",
  ignore: !shells.zsh,
  async fn() {
    const file = await script("zsh");
    await sh("zsh", ["-n", file]);
    const out = await sh("zsh", [
      "-f",
      "-c",
      `autoload -Uz compinit && compinit -u -D && source ${file} && print -r -- "$_comps[s3mpu]" && whence -w _s3mpu`,
    ]);
    assertEquals(out, "_s3mpu\n_s3mpu: function\n");
    // A real interactive zsh (on zsh's own pseudo-terminal, zpty) completes a typed line;
    // Ctrl-A then turns the completed line into a print to read it back.
    const typed = async (line: string) => {
      const session = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'autoload -Uz compinit; compinit -u -D; source ${file}; bindkey -e; PROMPT="> "'
zpty -w -n z $'${line}\t'
sleep 2
zpty -w -n z $'\\C-aprint -r -- COMPLETED: \\n'
sleep 1
out=""
while zpty -r -t z chunk; do out+="$chunk"; done
zpty -d z
print -r -- "$out" | tr -d '\\r' | grep -a '^COMPLETED: '`;
      return await sh("zsh", ["-f", "-c", session]);
    };
    assertEquals(await typed("s3mpu upl"), "COMPLETED: s3mpu upload\n");
    assertEquals(
      await typed("s3mpu upload --storage-cl"),
      "COMPLETED: s3mpu upload --storage-class\n",
    );
  },
});

Deno.test({
  name: "fish completes commands, options and option values",
  ignore: !shells.fish,
  async fn() {
    const file = await script("fish");
    const complete = (line: string) =>
      sh("fish", ["--no-config", "-c", `source ${file}; complete -C '${line}'`]);
    assertMatch(await complete("s3mpu up"), /^upload\tupload a file/);
    assertMatch(await complete("s3mpu upload --sse-k"), /^--sse-kms-key-id\t/);
    assertMatch(await complete("s3mpu upload --storage-class "), /(^|\n)STANDARD_IA\t/);
    assertMatch(await complete("s3mpu status --me"), /^--meta-file-path\t/);
  },
});

Deno.test("completions refuses an unknown shell with exit 2", async () => {
  const run = await runS3mpu(["completions", "powershell"]);
  assertEquals(run.code, 2);
  assertMatch(run.stderr, /takes one shell: bash, zsh or fish, not "powershell"/);
});
