/**
 * Whether anything (file, folder, link target) exists at `path`; unreadable counts as absent.
 *
 * @example
 * ```ts
 * if (existsSync(`${home}/.aws/config`)) console.log("shared config present");
 * ```
 */
export function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
