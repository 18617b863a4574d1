/**
 * Extra MinIO servers for tests that need one configured differently from the shared ones:
 * over HTTPS with a certificate from a throwaway CA (made with openssl), or with a site
 * region. Loopback only; each is stopped by `close()`.
 *
 * @module
 */

import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { TestServer } from "./servers.ts";

const MINIO = new URL("../../.tools/bin/minio", import.meta.url).pathname;

/** Whether the MinIO binary the test harness builds is present. */
export function minioAvailable(): boolean {
  try {
    return Deno.statSync(MINIO).isFile;
  } catch {
    return false;
  }
}

/** Whether openssl is on PATH. */
export function opensslAvailable(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** A CA certificate and a server certificate for 127.0.0.1 signed by it, in `dir`. */
export interface TestCerts {
  /** PEM of the CA: what --ca-bundle needs. */
  caFile: string;
  /** Directory MinIO reads public.crt and private.key from (--certs-dir). */
  certsDir: string;
}

/** Makes a CA and a server certificate (SAN IP:127.0.0.1, DNS:localhost) with openssl. */
export async function makeCerts(dir: string): Promise<TestCerts> {
  const certsDir = `${dir}/certs`;
  await Deno.mkdir(certsDir, { recursive: true });
  const ext = `${dir}/server-ext.cnf`;
  await Deno.writeTextFile(
    ext,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  const steps = [
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${dir}/ca.key`,
      "-out",
      `${dir}/ca.crt`,
      "-days",
      "2",
      "-subj",
      "/CN=s3mpu test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${certsDir}/private.key`,
      "-out",
      `${dir}/server.csr`,
      "-subj",
      "/CN=127.0.0.1",
    ],
    [
      "x509",
      "-req",
      "-in",
      `${dir}/server.csr`,
      "-CA",
      `${dir}/ca.crt`,
      "-CAkey",
      `${dir}/ca.key`,
      "-CAcreateserial",
      "-out",
      `${certsDir}/public.crt`,
      "-days",
      "2",
      "-extfile",
      ext,
    ],
  ];
  for (const args of steps) {
    const out = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) {
      throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
    }
  }
  return { caFile: `${dir}/ca.crt`, certsDir };
}

/** A MinIO started for one test. */
export interface ExtraMinio {
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The same server as the shared servers are described (region us-east-1). */
  server: TestServer;
  close(): Promise<void>;
}

/**
 * An AWS SDK client for a MinIO from {@link startMinio}: path-style, signing for `region`,
 * with `config` on top (e.g. a request handler that trusts a private CA). Destroy it when
 * done.
 */
export function minioClient(
  minio: ExtraMinio,
  region = "us-east-1",
  config: S3ClientConfig = {},
): S3Client {
  return new S3Client({
    endpoint: minio.url,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    ...config,
  });
}

/**
 * Starts MinIO on a free loopback port with its data in `dir`, optionally serving HTTPS
 * from `certsDir` and with extra environment (e.g. MINIO_SITE_REGION). Waits until ready.
 */
export async function startMinio(
  dir: string,
  opts: {
    certsDir?: string;
    caFile?: string;
    env?: Record<string, string>;
    /** The root password (default: a random one). */
    secretAccessKey?: string;
  } = {},
): Promise<ExtraMinio> {
  const port = freePort();
  const consolePort = freePort();
  const data = `${dir}/minio-data`;
  await Deno.mkdir(data, { recursive: true });
  const accessKeyId = "s3mpu-extra";
  const secretAccessKey = opts.secretAccessKey ?? `extra-${crypto.randomUUID()}`;
  const child = new Deno.Command(MINIO, {
    args: [
      "server",
      "--quiet",
      "--address",
      `127.0.0.1:${port}`,
      "--console-address",
      `127.0.0.1:${consolePort}`,
      ...(opts.certsDir ? ["--certs-dir", opts.certsDir] : []),
      data,
    ],
    env: {
      MINIO_ROOT_USER: accessKeyId,
      MINIO_ROOT_PASSWORD: secretAccessKey,
      MINIO_BROWSER: "off",
      MINIO_UPDATE: "off",
      MINIO_CI_CD: "1",
      ...opts.env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `${opts.certsDir ? "https" : "http"}://127.0.0.1:${port}`;
  const client = opts.caFile
    ? Deno.createHttpClient({ caCerts: [await Deno.readTextFile(opts.caFile)] })
    : undefined;
  const close = async () => {
    client?.close();
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/minio/health/ready`, client ? { client } : {});
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`MinIO on ${url} did not become ready in 30 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const server: TestServer = {
    name: "minio",
    endpoint: url,
    accessKeyId,
    secretAccessKey,
    region: "us-east-1",
  };
  return { url, accessKeyId, secretAccessKey, server, close };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
