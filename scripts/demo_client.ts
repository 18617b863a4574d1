/**
 * An independent S3 client for the demo: makes the bucket, and reads the object back to
 * compare its SHA-256 with the local file. It shares no code with s3mpu's upload path.
 *
 *   deno run -A scripts/demo_client.ts mkbucket BUCKET
 *   deno run -A scripts/demo_client.ts verify BUCKET KEY FILE
 *   (endpoint and credentials from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
 */
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";

const client = new S3Client({
  region: Deno.env.get("AWS_REGION") ?? "us-east-1",
  endpoint: Deno.env.get("AWS_ENDPOINT_URL"),
  forcePathStyle: true,
});
const [action, bucket, key, file] = Deno.args;
if (action === "mkbucket") {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  console.log(`Created bucket ${bucket}.`);
} else if (action === "verify") {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const remote = createHash("sha256");
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) remote.update(chunk);
  const local = createHash("sha256");
  for await (const chunk of (await Deno.open(file)).readable) local.update(chunk);
  const [r, l] = [remote.digest("hex"), local.digest("hex")];
  console.log(`local  sha256 ${l}\nremote sha256 ${r}  (ETag ${object.ETag})`);
  if (r !== l) {
    console.log("MISMATCH");
    Deno.exit(1);
  }
  console.log("Verified: the stored object is byte-identical to the file.");
} else {
  console.error("usage: demo_client.ts mkbucket BUCKET | verify BUCKET KEY FILE");
  Deno.exit(2);
}
client.destroy();
