"""What one setting of `datarank sensitivity` costs, against the score stage, on one machine in one session.

    python benchmarks/sensitivity_cost.py [--works 1200000] [--work-dir /tmp/datarank-sensitivity] [--repeats 3]

Writes a synthetic snapshot (benchmarks/synth.py; kept in the work dir for later calls), publishes it
once with `datarank run`, then in turns, --repeats times each: `datarank compute --full-rebuild`
(its score stage: the manifest's timings_s.score) and `datarank sensitivity --cap 200 --damping 0.85`
(one setting: the published one). Prints medians and the ratios, and writes sensitivity_cost.json in
the work dir. Turns, not blocks, so that load from other processes on a shared machine falls on both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATARANK = [sys.executable, "-m", "datarank"]


def run(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--works", type=int, default=1_200_000)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/datarank-sensitivity"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    snapshot, data_dir = args.work_dir / "snapshot", args.work_dir / "data"
    if not (snapshot / "synth.json").exists():
        run([sys.executable, str(HERE / "synth.py"), str(snapshot), "--works", str(args.works)])
    if not (data_dir / "current").exists():
        run([*DATARANK, "run", "--snapshot", str(snapshot), "--data-dir", str(data_dir)])
    turns: list[dict[str, Any]] = []
    for _ in range(args.repeats):
        compute_wall = run([*DATARANK, "compute", "--data-dir", str(data_dir), "--full-rebuild"])
        manifest = json.loads((data_dir / "current" / "manifest.json").read_text())
        sensitivity_wall = run([*DATARANK, "sensitivity", "--data-dir", str(data_dir), "--cap", "200",
                                "--damping", "0.85", "--format", "json"])
        result = json.loads((data_dir / "sensitivity.json").read_text())
        (row,) = result["settings"]
        turns.append({
            "score_stage_s": manifest["timings_s"]["score"],
            "compute_wall_s": compute_wall,
            "setting_score_s": row["score_seconds"],
            "setting_compare_s": row["compare_seconds"],
            "prepare_s": result["prepare_seconds"],
            "setting_total_s": result["prepare_seconds"] + row["score_seconds"] + row["compare_seconds"],
            "sensitivity_wall_s": sensitivity_wall,
            "works": result["works"],
        })
        print(json.dumps(turns[-1]), flush=True)
    medians = {key: statistics.median(turn[key] for turn in turns) for key in turns[0]}
    medians["ratio_setting_to_score_stage"] = medians["setting_total_s"] / medians["score_stage_s"]
    medians["ratio_compare_to_score_stage"] = medians["setting_compare_s"] / medians["score_stage_s"]
    medians["ratio_wall_to_score_stage"] = medians["sensitivity_wall_s"] / medians["score_stage_s"]
    (args.work_dir / "sensitivity_cost.json").write_text(json.dumps({"turns": turns, "medians": medians}, indent=2) + "\n")
    for key, value in medians.items():
        print(f"{key:32} {value:10.3f}")


if __name__ == "__main__":
    main()
