/**
 * Content-Type guessed from a file name, as aws-cli does (`--no-guess-mime-type` turns it
 * off). Uses the `mime` package's table, pinned in deno.json.
 *
 * @module
 */
import mime from "mime";

/** The MIME type for `path`'s extension, or undefined when unknown (S3 then stores its default). */
export function guessContentType(path: string): string | undefined {
  const type = mime.getType(path);
  // mime answers application/octet-stream for .bin; S3's default says the same thing.
  return type ?? undefined;
}
