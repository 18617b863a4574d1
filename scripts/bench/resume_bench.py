#!/usr/bin/env python3
"""Resume overhead of s3mpu on a 10,000-part upload with 9,999 parts already done.

Real 5 MiB parts would be 50 GB, so the parts are tiny (BENCH_RESUME_PART_BYTES, default
1 KiB), allowed by s3mpu's test-only S3MPU_TEST_MIN_PART_SIZE (src/cli/backend_config.ts).

Servers (BENCH_RESUME_SERVERS, default "minio moto"):
  minio  a private MinIO (scripts/ensure_minio.sh's binary). MinIO's 5 MiB minimum is a
         constant (cmd/utils.go globalMinPartSize), so Complete fails with EntityTooSmall:
         only the time to the first part is measured there.
  moto   a private moto_server with S3_UPLOAD_PART_MIN_SIZE=1 (read at
         CompleteMultipartUpload: moto/settings.py, moto/s3/models.py): first part and
         completion. moto is slow (Python): ListParts of 10,000 parts alone takes seconds.

Scenarios (BENCH_RESUME_SCENARIOS; each from a fresh upload with parts 1..9,999 on the server):
  journal        meta + 9,999-line parts journal (the normal resume after a crash)
  adopt          meta + empty journal: every server part is adopted from ListParts and
                 journaled (the crash-between-upload-and-fsync path, at its extreme)
  adopt-nofsync  as adopt, with S3MPU_BENCH_NO_FSYNC=1

Per run: seconds from process start to the "Will upload 1 chunks." line (Deno start, state
files, ListParts x 10 pages, reconcile, journal appends, meta write: everything before the
first part is sent) and to exit; the client's CPU and max RSS; and, for scale, how long a
plain boto3 ListParts of the same upload takes (the server's share). Results:
bench-results/resume.{md,json}.

  python3 scripts/bench/resume_bench.py DENO_PATH
"""
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, ".cache", "bench-resume")
PARTS = 10_000
PART_BYTES = int(os.environ.get("BENCH_RESUME_PART_BYTES", "1024"))
RUNS = int(os.environ.get("BENCH_RESUME_RUNS", "2"))
SERVERS = os.environ.get("BENCH_RESUME_SERVERS", "minio moto").split()
SCENARIOS = os.environ.get("BENCH_RESUME_SCENARIOS", "journal adopt adopt-nofsync").split()
BUCKET = "resume"
KEY = "big/object.bin"
REGION = "us-east-1"
CREDENTIALS = {"moto": ("testing", "testing"),
               "minio": ("bench-access", "bench-secret-key-0123456789")}

def log(msg):
    print(f"resume: {msg}", file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_ready(proc, url):
    """True once `url` answers, None if the process exited first, False after 150 tries."""
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except Exception:
            if proc.poll() is not None:
                return None
            time.sleep(0.2)
    return False


def start_moto():
    exe = shutil.which("moto_server") or sys.exit("resume: moto_server is not on PATH")
    port = free_port()
    env = dict(os.environ, S3_UPLOAD_PART_MIN_SIZE="1")
    logf = open(os.path.join(WORK, "moto.log"), "w")
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=logf,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    ready = wait_ready(proc, url + "/")
    if ready is None:
        sys.exit("resume: moto_server exited; see .cache/bench-resume/moto.log")
    if not ready:
        sys.exit("resume: moto_server did not answer")
    return proc, url


def start_minio():
    exe = os.path.join(ROOT, ".tools", "bin", "minio")
    if not os.access(exe, os.X_OK):
        r = subprocess.run(["bash", os.path.join(ROOT, "scripts", "ensure_minio.sh")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return None, f"MinIO unavailable: {r.stderr.strip()[-500:]}"
        exe = r.stdout.strip()
    port = free_port()
    data = os.path.join(WORK, "minio-data")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    access, secret = CREDENTIALS["minio"]
    env = dict(os.environ, MINIO_ROOT_USER=access, MINIO_ROOT_PASSWORD=secret,
               MINIO_BROWSER="off", MINIO_UPDATE="off", MINIO_CI_CD="1")
    logf = open(os.path.join(WORK, "minio.log"), "w")
    proc = subprocess.Popen([exe, "server", "--quiet", "--address", f"127.0.0.1:{port}",
                             "--console-address", f"127.0.0.1:{free_port()}", data], env=env,
                            stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    ready = wait_ready(proc, url + "/minio/health/ready")
    if ready is None:
        return None, "MinIO exited; see .cache/bench-resume/minio.log"
    return proc, url if ready else None


def client(url, server):
    access, secret = CREDENTIALS[server]
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=url, aws_access_key_id=access,
                        aws_secret_access_key=secret, region_name=REGION,
                        config=Config(max_pool_connections=16, retries={"max_attempts": 5}))


def prepare(s3, server, src, meta_path, parts_path, with_journal):
    """A fresh upload with parts 1..9,999 on the server, and s3mpu's state files for it."""
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=KEY)["UploadId"]
    with open(src, "rb") as f:
        data = f.read()

    # moto does not check signatures: plain keep-alive PUTs are far cheaper than boto3's.
    import http.client
    import threading
    local = threading.local()
    host, port = s3.meta.endpoint_url.split("//")[1].split(":")

    def put_boto3(n):
        body = data[(n - 1) * PART_BYTES:n * PART_BYTES]
        out = s3.upload_part(Bucket=BUCKET, Key=KEY, UploadId=upload_id, PartNumber=n, Body=body)
        return n, out["ETag"].strip('"')

    def put(n):
        if server != "moto":
            return put_boto3(n)
        conn = getattr(local, "conn", None) or http.client.HTTPConnection(host, int(port))
        local.conn = conn
        body = data[(n - 1) * PART_BYTES:n * PART_BYTES]
        conn.request("PUT", f"/{BUCKET}/{KEY}?partNumber={n}&uploadId={upload_id}", body=body)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"part {n}: HTTP {resp.status}")
        etag = resp.getheader("ETag").strip('"')
        assert etag == hashlib.md5(body).hexdigest()
        return n, etag

    with concurrent.futures.ThreadPoolExecutor(4 if server == "moto" else 8) as pool:
        etags = dict(pool.map(put, range(1, PARTS)))
    st = os.stat(src)
    meta = {
        "bucket": BUCKET, "key": KEY, "uploadId": upload_id, "splitSize": PART_BYTES,
        "formatVersion": 1,
        "source": {"kind": "file", "path": os.path.realpath(src), "size": st.st_size,
                   "mtimeMs": int(st.st_mtime * 1000)},
        "partCount": PARTS, "checksumAlgorithm": "md5",
        "createdAt": "2026-01-01T00:00:00.000Z",
    }
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
    with open(parts_path, "w") as f:
        if with_journal:
            for n in range(1, PARTS):
                f.write(json.dumps({"eTag": etags[n], "partNumber": n, "uploadId": upload_id,
                                    "size": PART_BYTES, "offset": (n - 1) * PART_BYTES}) + "\n")
    os.chmod(meta_path, 0o600)
    os.chmod(parts_path, 0o600)
    return upload_id


def run_s3mpu(deno, tree, server, url, src, meta_path, parts_path, extra_env):
    access, secret = CREDENTIALS[server]
    env = dict(os.environ, AWS_ACCESS_KEY_ID=access, AWS_SECRET_ACCESS_KEY=secret,
               AWS_REGION=REGION, S3MPU_TEST_MIN_PART_SIZE="1", NO_COLOR="1", **extra_env)
    cmd = [deno, "run", "-A", "--cached-only", os.path.join(tree, "main.ts"), "upload",
           "-b", BUCKET, "-k", KEY, "-f", src, "-t", "4", "--endpoint-url", url,
           "-m", meta_path, "-a", parts_path]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, cwd=tree)
    lines = []
    first_part = None
    for line in proc.stderr:
        t = time.monotonic() - t0
        lines.append(f"{t:8.3f} {line.rstrip()}")
        if first_part is None and "Will upload" in line:
            first_part = t
    _, status, usage = os.wait4(proc.pid, 0)
    total = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"rc": proc.returncode, "firstPartS": first_part, "totalS": round(total, 3),
            "clientCpuS": round(usage.ru_utime + usage.ru_stime, 2),
            "maxRssMiB": round(usage.ru_maxrss / 1024, 1), "log": lines}


def time_list_parts(s3, upload_id):
    """The server's share: ListParts over all pages, as a lean client sees it."""
    t0 = time.monotonic()
    marker, pages, n = 0, 0, 0
    while True:
        out = s3.list_parts(Bucket=BUCKET, Key=KEY, UploadId=upload_id, PartNumberMarker=marker)
        pages += 1
        n += len(out.get("Parts", []))
        if not out.get("IsTruncated"):
            break
        marker = out["NextPartNumberMarker"]
    return round(time.monotonic() - t0, 3), pages, n


def run_server(deno, tree, server, url, src):
    results = []
    s3 = client(url, server)
    s3.create_bucket(Bucket=BUCKET)
    for run in range(1, RUNS + 1):
        for scenario in SCENARIOS:
            meta_path = os.path.join(WORK, f"{scenario}.meta.json")
            parts_path = os.path.join(WORK, f"{scenario}.parts.jsonl")
            t = time.monotonic()
            upload_id = prepare(s3, server, src, meta_path, parts_path,
                                with_journal=scenario == "journal")
            tag = f"{server} run {run} {scenario}"
            log(f"{tag}: prepared 9,999 parts in {time.monotonic() - t:.1f} s")
            lp_s, lp_pages, lp_n = time_list_parts(s3, upload_id)
            log(f"{tag}: boto3 ListParts: {lp_n} parts in {lp_pages} pages, {lp_s} s")
            extra = {"S3MPU_BENCH_NO_FSYNC": "1"} if scenario.endswith("nofsync") else {}
            load = open("/proc/loadavg").read().split()[0]
            r = run_s3mpu(deno, tree, server, url, src, meta_path, parts_path, extra)
            r.update({"server": server, "scenario": scenario, "run": run,
                      "listPartsBoto3S": lp_s, "loadBefore": float(load)})
            log(f"{tag}: rc {r['rc']}, first part at {r['firstPartS']} s, done at "
                f"{r['totalS']} s, client CPU {r['clientCpuS']} s, max RSS {r['maxRssMiB']} MiB")
            if r["rc"] != 0 and server != "minio":
                log("\n".join(r["log"][-15:]))
            results.append(r)
            try:
                s3.abort_multipart_upload(Bucket=BUCKET, Key=KEY, UploadId=upload_id)
            except Exception:
                pass
            try:
                s3.delete_object(Bucket=BUCKET, Key=KEY)
            except Exception:
                pass
    return results


def main():
    deno = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else sys.exit("usage: resume_bench.py DENO")
    os.makedirs(WORK, exist_ok=True)
    tree = ROOT
    log(f"s3mpu tree: {tree}")
    subprocess.run([deno, "cache", os.path.join(tree, "main.ts")], check=True, cwd=tree,
                   stdout=subprocess.DEVNULL)
    src = os.path.join(WORK, "source.bin")
    if not os.path.exists(src) or os.path.getsize(src) != PARTS * PART_BYTES:
        with open(src, "wb") as f:
            f.write(os.urandom(PARTS * PART_BYTES))
    results = []
    skipped = {}
    for server in SERVERS:
        proc, url = start_minio() if server == "minio" else start_moto()
        if proc is None or url is None:
            skipped[server] = url or "did not start"
            log(f"{server}: skipped: {skipped[server]}")
            if proc is not None:
                os.killpg(proc.pid, signal.SIGTERM)
            continue
        try:
            results += run_server(deno, tree, server, url, src)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
            shutil.rmtree(os.path.join(WORK, "minio-data"), ignore_errors=True)

    def stat(values):
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    rows = []
    for server in SERVERS:
        for scenario in SCENARIOS:
            mine = [r for r in results if r["server"] == server and r["scenario"] == scenario]
            # On MinIO, Complete fails (EntityTooSmall, by design): count runs that got going.
            ok = [r for r in mine if r["firstPartS"] and (server == "minio" or r["rc"] == 0)]
            row = {"server": server, "scenario": scenario, "runs": len(mine), "runsOk": len(ok)}
            if ok:
                row["firstPartS"] = stat([r["firstPartS"] for r in ok])
                if server != "minio":
                    row["totalS"] = stat([r["totalS"] for r in ok])
                row["clientCpuS"] = stat([r["clientCpuS"] for r in ok])
                row["maxRssMiB"] = stat([r["maxRssMiB"] for r in ok])
                row["listPartsBoto3S"] = stat([r["listPartsBoto3S"] for r in ok])
            rows.append(row)
    desc = {
        "journal": "meta + 9,999-line journal (normal resume)",
        "adopt": "meta, empty journal: 9,999 parts adopted from ListParts, journaled in one write",
        "adopt-nofsync": "as adopt, S3MPU_BENCH_NO_FSYNC=1",
    }
    fmt = lambda s, d=2: f"{s['median']:.{d}f} ({s['min']:.{d}f}–{s['max']:.{d}f})" if s else "–"
    md = ["# s3mpu resume overhead: 10,000-part upload, 9,999 parts done", "",
          f"{PART_BYTES}-byte parts; {RUNS} runs per server and scenario; seconds from process "
          "start, median (min–max). Target: first part sent within 2 s. \"boto3 ListParts\" is "
          "how long a plain boto3 client takes to list the same 9,999 parts (the server's share "
          "of the first-part time). On MinIO, Complete is refused (5 MiB minimum, a constant), "
          "so only the first-part time counts there.", "",
          "| Server | Scenario | To first part | To exit (incl. Complete) | Client CPU s | "
          "Max RSS MiB | boto3 ListParts s | Runs ok |",
          "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        md.append(f"| {row['server']} | {desc.get(row['scenario'], row['scenario'])} | "
                  f"{fmt(row.get('firstPartS'))} | {fmt(row.get('totalS'))} | "
                  f"{fmt(row.get('clientCpuS'))} | {fmt(row.get('maxRssMiB'), 0)} | "
                  f"{fmt(row.get('listPartsBoto3S'))} | {row['runsOk']}/{row['runs']} |")
    for server, why in skipped.items():
        md.append(f"| {server} | skipped: {why} |||||||")
    md.append("")
    out_dir = os.path.join(ROOT, "bench-results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "resume.md"), "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(out_dir, "resume.json"), "w") as f:
        json.dump({"partBytes": PART_BYTES, "parts": PARTS, "runs": RUNS, "results": rows,
                   "skipped": skipped, "rawRuns": results}, f, indent=2)
    print("\n".join(md))


if __name__ == "__main__":
    main()
