#!/usr/bin/env python3
"""Writes the worst-case configs of issue 18 (each at most 1 MiB, the read cap) into DIR and
times `pipeform check` refusing each (exit 2 before any AWS call).

    python3 bench/hostile-config.py DIR [PIPEFORM_BINARY]
"""
import os
import subprocess
import sys
import time

CAP = 1024 * 1024
HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = open(os.path.join(HERE, "..", "examples", "pipeform.toml")).read()
PUBLIC = 'public_subnets = ["10.20.1.0/24", "10.20.2.0/24"]'
DB = 'db_subnets     = ["10.20.101.0/24", "10.20.102.0/24"]'


def fill(base, piece, at=None):
    """`base` with as many `piece(i)` as fit under the cap, inserted at `at` (or appended)."""
    out, size, i = [], len(base.encode()), 0
    while size + len(piece(i)) <= CAP:
        out.append(piece(i))
        size += len(piece(i))
        i += 1
    text = "".join(out)
    return (base[:at] + text + base[at:]) if at is not None else base + text, i


def cases():
    nat = EXAMPLE.index("[nat]")
    keys, n = fill(EXAMPLE, lambda i: f"k{i} = 1\n", nat)
    yield f"unknown keys in one section ({n})", keys
    sections, n = fill(EXAMPLE, lambda i: f"[s{i}]\n")
    yield f"unknown sections ({n})", sections
    head = EXAMPLE.replace(PUBLIC, "public_subnets = [@]")
    at = head.index("@")
    subnets, n = fill(head.replace("@", ""), lambda i: f'"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32", ', at)
    yield f"one subnet list ({n} entries)", subnets
    at_cap = EXAMPLE.replace(PUBLIC, "public_subnets = [" + ",".join(f'"10.20.{k}.0/24"' for k in range(256)) + "]")
    at_cap = at_cap.replace(DB, "db_subnets = [" + ",".join(f'"10.20.{k}.0/25"' for k in range(256)) + "]")
    yield "256 + 256 subnets, every DB subnet overlapping (lists at the cap)", at_cap
    depth = (CAP - len(EXAMPLE) - 20) // 2
    yield f"arrays nested {depth} deep", EXAMPLE.replace("[nat]", "deep = " + "[" * depth + "]" * depth + "\n[nat]", 1)


def main():
    out_dir = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/pipeform"
    os.makedirs(out_dir, exist_ok=True)
    print("| config | bytes | exit | seconds |\n|:---|---:|---:|---:|")
    for i, (name, text) in enumerate(cases()):
        path = os.path.join(out_dir, f"hostile-{i}.toml")
        with open(path, "w") as f:
            f.write(text)
        start = time.monotonic()
        run = subprocess.run([binary, "--config", path, "check", "--endpoint-url", "http://127.0.0.1:9"],
                             capture_output=True)
        took = time.monotonic() - start
        print(f"| {name} | {os.path.getsize(path)} | {run.returncode} | {took:.2f} |")


main()
