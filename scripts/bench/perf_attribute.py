#!/usr/bin/env python3
"""Attributes `perf script` samples of a Deno process to the innermost JavaScript frame of each
call chain (Deno's binary is stripped, so native code shows as bare addresses; the JS caller
says what it was doing: MD5 in partChecksum, SHA-256 in the SDK signer, socket writes, ...).

  perf record -F 999 -g -o perf.data -- deno run -A --v8-flags=--perf-basic-prof main.ts ...
  perf script -i perf.data | python3 scripts/bench/perf_attribute.py [DEPTH]

DEPTH (default 1) is how many JavaScript frames to show per stack, innermost first.
"""
import collections, re, sys

depth = int(sys.argv[1]) if len(sys.argv) > 1 else 1
by_js = collections.Counter()

def clean(frame):
    f = re.sub(r"^\S+\s+", "", frame).split(" (")[0]
    f = re.sub(r"JS:[\^~*+]?", "", f)
    f = re.sub(r"\+0x[0-9a-f]+$", "", f)
    f = re.sub(r"file:///root/.cache/deno/npm/registry.npmjs.org/", "npm:", f)
    return re.sub(r"file:///work/main/", "", f)
by_top = collections.Counter()
total = 0
stack = []
comm = ""

def flush():
    global total
    if not stack:
        return
    total += 1
    top = stack[0]
    kind = "kernel" if "[kernel" in top else ("deno-native" if "/deno" in top or "deno)" in top else top.split()[-1])
    frames = [clean(f) for f in stack if "JS:" in f][:depth]
    js = " <- ".join(frames) if frames else f"(no JS frame; thread {comm})"
    by_js[js] += 1
    by_top[kind] += 1

for line in sys.stdin:
    if not line.strip():
        flush()
        stack = []
        continue
    if line[0] not in " \t":
        comm = line.split()[0]
        continue
    stack.append(line.strip())
flush()
print(f"{total} samples")
print("\nBy where the CPU was (innermost frame):")
for k, v in by_top.most_common(8):
    print(f"  {100*v/total:5.1f}%  {k}")
print("\nBy innermost JavaScript frame on the stack:")
for k, v in by_js.most_common(30):
    print(f"  {100*v/total:5.1f}%  {k}")
