import type { Command } from "./command.ts";
import { uploadCommand } from "./upload_command.ts";

/** Every command, in the order --help lists them. Add a command here and nowhere else. */
export const COMMANDS: Command[] = [
  uploadCommand,
];
