/**
 * Content-Type guessed from a file name, as aws-cli does (`--no-guess-mime-type` turns it
 * off). Uses the `mime` package's table, pinned in deno.json.
 *
 * @module
 */
/**
 * The MIME type for `path`'s extension, or undefined when unknown (S3 then stores its default).
 * The table is loaded on first use: only an upload that guesses a type pays for its memory.
 */
export async function guessContentType(path: string): Promise<string | undefined> {
  return (await contentTypeGuesser())(path);
}

/** The guesser of {@link guessContentType} once its table is loaded, for many names at once. */
export async function contentTypeGuesser(): Promise<(path: string) => string | undefined> {
  const { default: mime } = await import("mime");
  // mime answers application/octet-stream for .bin; S3's default says the same thing.
  return (path) => mime.getType(path) ?? undefined;
}
