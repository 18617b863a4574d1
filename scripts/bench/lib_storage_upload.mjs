// The @aws-sdk/lib-storage peer of the benchmark: uploads one file with `Upload`, the way its
// README shows, at a given part size and queue size. Run with Node from scripts/bench.sh:
//
//   NODE_PATH=.tools/bench/node/node_modules node scripts/bench/lib_storage_upload.mjs \
//     ENDPOINT BUCKET KEY FILE PART_BYTES QUEUE_SIZE
//
// Credentials and region come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION.
// The SDK's defaults are kept (node:http handler, CRC32 per part since client-s3 3.729), as a
// user of lib-storage would get them.
import { createReadStream } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [endpoint, bucket, key, file, partBytes, queueSize] = process.argv.slice(2);
if (!queueSize) {
  console.error("usage: lib_storage_upload.mjs ENDPOINT BUCKET KEY FILE PART_BYTES QUEUE_SIZE");
  process.exit(2);
}
// The packages live in .tools/bench/node (not beside this script): resolve from there.
const require = createRequire(join(process.env.BENCH_NODE_DIR ?? ".", "package.json"));
const { S3Client } = require("@aws-sdk/client-s3");
const { Upload } = require("@aws-sdk/lib-storage");

const client = new S3Client({
  endpoint,
  forcePathStyle: true,
  region: process.env.AWS_REGION ?? "us-east-1",
});
const upload = new Upload({
  client,
  params: { Bucket: bucket, Key: key, Body: createReadStream(file) },
  partSize: Number(partBytes),
  queueSize: Number(queueSize),
  leavePartsOnError: false,
});
const out = await upload.done();
client.destroy();
console.log(JSON.stringify({ eTag: out.ETag, key: out.Key }));
