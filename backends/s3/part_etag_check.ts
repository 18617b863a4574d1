/**
 * Catches a part damaged on the way to a store that ignores Content-MD5 (moto does; so may
 * any store whose preset does not promise the check): once one part's ETag has shown to be
 * the MD5 of the bytes sent, this upload's ETags are MD5s (encryption would change them all),
 * so a part whose ETag is another MD5 holds other bytes. That part fails, retryably, and is
 * sent again from the file.
 *
 * @module
 */
import { BackendError } from "../errors.ts";
import { md5Base64ToHex } from "../etag.ts";

const MD5_HEX = /^[0-9a-f]{32}$/i;

/** The check, with what it learned about this store's ETags. */
export class PartETagCheck {
  #etagsAreMd5 = false;

  /** Throws a retryable BackendError if `eTag` shows other bytes than `md5Base64`. */
  check(partNumber: number, md5Base64: string, eTag: string): void {
    if (!MD5_HEX.test(eTag) || md5Base64 === "") return;
    const sent = md5Base64ToHex(md5Base64);
    if (eTag.toLowerCase() === sent) {
      this.#etagsAreMd5 = true;
      return;
    }
    if (!this.#etagsAreMd5) return;
    throw new BackendError(
      "retryable",
      `the store's ETag for part ${partNumber} is ${eTag}, not ${sent}, the MD5 of the bytes sent (other parts' ETags are their MD5s): the bytes changed on the way and the store did not check their Content-MD5`,
      { code: "PartETagMismatch" },
    );
  }
}
