import type { S3Client } from "@aws-sdk/client-s3";
import type { AdapterLog } from "../types.ts";

/** Error codes meaning "these temporary credentials ran out": fetch new ones and try again. */
const REFRESHABLE_CODES = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "TokenRefreshRequired",
]);

/** Whether an S3 error code says the temporary credentials ran out. */
export function isRefreshable(code: string | undefined): boolean {
  return REFRESHABLE_CODES.has(code ?? "");
}

/**
 * Forces the SDK's credential provider to fetch new credentials (SSO cache,
 * credential_process, web identity, container or instance metadata), once for all the calls
 * that failed with the same expired ones.
 */
export class CredentialRefresher {
  /** Bumped by every forced refresh, so parallel calls refresh only once. */
  #generation = 0;
  #refreshing?: Promise<boolean>;

  constructor(private readonly client: S3Client, private readonly logger?: AdapterLog) {}

  /** Which refresh the credentials in use come from; pass it to {@link refresh}. */
  get generation(): number {
    return this.#generation;
  }

  /** Forces a credential refresh unless one happened since `seen`; false if it failed. */
  refresh(seen: number, code: string): Promise<boolean> {
    if (this.#generation !== seen) return Promise.resolve(true);
    this.#refreshing ??= (async () => {
      const provider = this.client.config.credentials as unknown;
      if (typeof provider !== "function") return false;
      this.logger?.info(`The server answered ${code}; fetching fresh credentials.`);
      try {
        await (provider as (o: { forceRefresh: boolean }) => Promise<unknown>)({
          forceRefresh: true,
        });
        return true;
      } catch (error) {
        this.logger?.warn(`Could not refresh the credentials: ${(error as Error).message}`);
        return false;
      } finally {
        this.#generation++;
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }
}
