import type { Command } from "./command.ts";
import { abortCommand } from "./abort_command.ts";
import { listCommand } from "./list_command.ts";
import { statusCommand } from "./status_command.ts";
import { uploadCommand } from "./upload_command.ts";
import { verifyCommand } from "./verify_command.ts";
import { completionsCommand } from "./completions.ts";

/** Every command, in the order --help lists them. Add a command here and nowhere else. */
export const COMMANDS: Command[] = [
  uploadCommand,
  statusCommand,
  abortCommand,
  listCommand,
  verifyCommand,
  completionsCommand(() => COMMANDS),
];
