import type { Command } from "./command.ts";
import { abortCommand } from "./commands/abort_command.ts";
import { listCommand } from "./commands/list_command.ts";
import { statusCommand } from "./commands/status_command.ts";
import { uploadCommand } from "./commands/upload_command.ts";
import { verifyCommand } from "./commands/verify_command.ts";
import { completionsCommand } from "./commands/completions_command.ts";

/** Every command, in the order --help lists them. Add a command here and nowhere else. */
export const COMMANDS: Command[] = [
  uploadCommand,
  statusCommand,
  abortCommand,
  listCommand,
  verifyCommand,
  completionsCommand(() => COMMANDS),
];
