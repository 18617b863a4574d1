"""Reads an object's stored attributes back with boto3: a client independent of s3mpu's
AWS SDK for JavaScript, so tests check what the server kept, not what s3mpu asked for.

Usage: python3 read_back.py '{"endpoint": ..., "bucket": ..., "key": ..., "accessKeyId": ...,
  "secretAccessKey": ..., "caFile": null, "sseCustomerKeyFile": null}'
Prints one JSON object: head (HeadObject fields), tags, grants, sha256 of the body, and
getWithoutKeyError (the error code of a GET without the SSE-C key, when a key is given).
"""
import hashlib
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

args = json.loads(sys.argv[1])
client = boto3.client(
    "s3",
    endpoint_url=args["endpoint"],
    aws_access_key_id=args["accessKeyId"],
    aws_secret_access_key=args["secretAccessKey"],
    region_name="us-east-1",
    verify=args.get("caFile") or True,
    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
)
ref = {"Bucket": args["bucket"], "Key": args["key"]}
sse = {}
if args.get("sseCustomerKeyFile"):
    with open(args["sseCustomerKeyFile"], "rb") as f:
        sse = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": f.read()}

out = {}
head = client.head_object(**ref, **sse)
out["head"] = {
    k: (v.isoformat() if hasattr(v, "isoformat") else v)
    for k, v in head.items()
    if k != "ResponseMetadata"
}
body = client.get_object(**ref, **sse)["Body"].read()
out["sha256"] = hashlib.sha256(body).hexdigest()
try:
    out["tags"] = {t["Key"]: t["Value"] for t in client.get_object_tagging(**ref)["TagSet"]}
except ClientError as e:
    out["tags"] = {"error": e.response["Error"]["Code"]}
try:
    out["grants"] = [
        [g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"]]
        for g in client.get_object_acl(**ref)["Grants"]
    ]
except ClientError as e:
    out["grants"] = {"error": e.response["Error"]["Code"]}
if sse:
    try:
        client.get_object(**ref)
        out["getWithoutKeyError"] = None
    except ClientError as e:
        out["getWithoutKeyError"] = e.response["Error"]["Code"]
print(json.dumps(out))
