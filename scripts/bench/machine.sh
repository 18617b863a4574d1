#!/usr/bin/env bash
# Prints one JSON object describing the machine the benchmark ran on: CPU count and model,
# RAM, kernel, and the disk/filesystem holding .cache/ (where MinIO keeps its data).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python3 - "$root/.cache" <<'PY'
import json, os, platform, subprocess, sys
path = sys.argv[1]
def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""
info = {}
with open("/proc/cpuinfo") as f:
    for line in f:
        if ":" in line:
            k, v = line.split(":", 1)
            info.setdefault(k.strip(), v.strip())
        elif info:
            break
model = info.get("model name", "")
flags = info.get("flags", "").split()
model += f" (family {info.get('cpu family', '?')} model {info.get('model', '?')}"
model += ", under a hypervisor)" if "hypervisor" in flags else ")"
mem_kib = 0
with open("/proc/meminfo") as f:
    for line in f:
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
src, fstype, size = (sh("df", "--output=source,fstype,size", "-h", path).splitlines()[-1].split() + ["", "", ""])[:3]
dev = os.path.basename(src)
rotational = ""
try:
    base = dev.rstrip("0123456789") if not dev.startswith("nvme") else dev.split("p")[0]
    rotational = open(f"/sys/block/{base}/queue/rotational").read().strip()
except Exception:
    pass
print(json.dumps({
    "nproc": os.cpu_count(),
    "cpuModel": model,
    "memGiB": round(mem_kib / 1024 / 1024, 1),
    "kernel": platform.release(),
    "os": sh("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
    "disk": f"{src} ({fstype}, {size}, {'reported rotational' if rotational == '1' else 'non-rotational' if rotational == '0' else 'unknown type'})",
}))
PY
