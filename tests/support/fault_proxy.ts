/**
 * A fault-injecting HTTP/1.1 proxy for end-to-end tests.
 *
 * It sits between the s3mpu CLI (path-style S3 over plain HTTP to `http://127.0.0.1:PORT`)
 * and a real S3 server on loopback (MinIO, moto), forwards every request byte-for-byte
 * (the `Host` header is not rewritten, so SigV4 signatures still verify upstream) and, on
 * the requests chosen by {@linkcode FaultRule}s, injects transport- or HTTP-level faults:
 * connection resets mid-body, stalls, S3 error responses, latency and truncated responses.
 *
 * It speaks HTTP/1.1 itself over raw TCP (`Deno.listen` / `Deno.connect`) so that it can
 * misbehave at the byte level. Every client request gets a fresh upstream connection; the
 * client side supports keep-alive and pipelining, `Content-Length` and chunked bodies, and
 * `Expect: 100-continue` (forwarded to the upstream, whose `100 Continue` is relayed).
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({
 *   target: "http://127.0.0.1:9000",
 *   rules: [{ match: { operation: "UploadPart" }, nth: 2, action: { kind: "reset_mid_body" } }],
 * });
 * // point the CLI at proxy.url, then:
 * await proxy.close();
 * ```
 *
 * @module
 */

export * from "./fault_proxy/faults.ts";
export * from "./fault_proxy/server.ts";
