"""Disk used by nightly runs with a retention policy: a synthetic snapshot grows by one partition a
night (`benchmarks/synth.py --grow`), each night runs `datarank run --keep K`, and the data dir is
measured after every night (each file once, however many hard links it has).

    python benchmarks/retention.py SNAPSHOT DATA_DIR --works 1200000 --nights 8 --keep 7 [--grow 0.01]

SNAPSHOT is generated with --works if it does not exist (then grown in place: use a copy you can
lose). Prints one line per night and a JSON summary; the figures in benchmarks/README.md
(*Retention*) come from this.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Where a byte of the data dir is counted: the first of these folders a file is found in.
PARTS = ("lake/raw", "lake/core", "versions", "runs")


def disk(data_dir: Path) -> dict[str, int]:
    """Bytes under the data dir by part, each inode counted once (in the first part it is found)."""
    seen: set[tuple[int, int]] = set()
    usage = dict.fromkeys((*PARTS, "other"), 0)
    for part in (*PARTS, ""):
        root = data_dir / part
        if not root.exists():
            continue
        for folder, _dirs, files in os.walk(root):
            for name in files:
                stat = os.lstat(os.path.join(folder, name))
                key = (stat.st_dev, stat.st_ino)
                if key in seen:
                    continue
                seen.add(key)
                usage[part or "other"] += stat.st_size
    usage["total"] = sum(usage.values())
    return usage


def datarank(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    process = subprocess.run([sys.executable, "-m", "datarank", *args, "--no-prefect"], capture_output=True, text=True,
                             check=False)
    if process.returncode != 0:
        raise SystemExit(f"datarank {' '.join(args)} failed ({process.returncode}): {process.stderr}")
    return time.perf_counter() - started, process.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--works", type=int, default=1_200_000)
    parser.add_argument("--nights", type=int, default=8, help="nights after the first full run")
    parser.add_argument("--keep", type=int, default=7)
    parser.add_argument("--grow", type=float, default=0.01)
    parser.add_argument("--memory-limit", default="4GB")
    args = parser.parse_args()

    def synth(*extra: str) -> None:
        subprocess.run([sys.executable, str(HERE / "synth.py"), str(args.snapshot), *extra,
                        "--memory-limit", args.memory_limit], check=True, capture_output=True)

    if not args.snapshot.exists():
        synth("--works", str(args.works))
    common = ["--snapshot", str(args.snapshot), "--data-dir", str(args.data_dir), "--keep", str(args.keep),
              "--memory-limit", args.memory_limit]
    nights = []
    for night in range(args.nights + 1):
        if night:
            synth("--grow", str(args.grow))
        seconds, out = datarank("run", *common)
        works = json.loads((args.snapshot / "synth.json").read_text())["works"]
        versions = sorted(p.name for p in (args.data_dir / "versions").iterdir() if not p.name.startswith("."))
        usage = disk(args.data_dir)
        pruned = next((line for line in out.splitlines() if line.startswith("prune")), "")
        nights.append({"night": night, "works": works, "seconds": round(seconds, 1), "kept_versions": len(versions),
                       "bytes": usage})
        print(f"night {night}: {works:,} works, {seconds:.1f} s, {len(versions)} versions, "
              + ", ".join(f"{k} {v / 1e6:,.1f} MB" for k, v in usage.items()) + (f" | {pruned}" if pruned else ""),
              flush=True)
    print(json.dumps(nights, indent=1))


if __name__ == "__main__":
    main()
