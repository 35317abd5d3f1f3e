"""Start-up overhead of the `datarank` command line outside Prefect, against floors measured in the
same run (the machine is shared: absolute times are noisy, ratios less so).

    .venv/bin/python benchmarks/cli_startup.py [--repeat 5]

Measures, as the median of `--repeat` fresh processes: the interpreter alone, importing the CLI,
`datarank --help`, `datarank run` on the shipped sample into an empty data dir and again with every
part file cached (the nightly case), and, for comparison, importing the Prefect flows (what a run
would pay if Prefect were imported on the CLI path). For the runs, overhead = wall time minus the
stages' own time (the `time` line `datarank run` prints).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
DATARANK = str(Path(PYTHON).with_name("datarank"))


def wall(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    process = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return time.perf_counter() - started, process.stdout


def stage_seconds(stdout: str) -> float:
    line = next(line for line in stdout.splitlines() if line.startswith("time "))
    return sum(float(seconds) for seconds in re.findall(r"([0-9.]+) s", line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_API")}
    cases = {
        "python -c pass (floor)": [PYTHON, "-c", "pass"],
        "import datarank.cli": [PYTHON, "-c", "import datarank.cli"],
        "datarank --help": [DATARANK, "--help"],
        "import datarank.pipeline (the run path)": [PYTHON, "-c", "import datarank.pipeline"],
        "import pipelines.flows (Prefect)": [PYTHON, "-c", "import pipelines.flows"],
    }
    results: dict[str, float] = {}
    for name, command in cases.items():
        results[name] = statistics.median(wall(command, env)[0] for _ in range(repeat))
    runs: dict[str, list[tuple[float, float]]] = {"datarank run, empty data dir": [], "datarank run, all cached": []}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as data_dir:
            for name in runs:
                seconds, stdout = wall([DATARANK, "run", "--data-dir", data_dir], env)
                runs[name].append((seconds, seconds - stage_seconds(stdout)))
    floor = results["python -c pass (floor)"]
    print(f"{'case':<42} {'median s':>9} {'× floor':>8}")
    for name, seconds in results.items():
        print(f"{name:<42} {seconds:>9.3f} {seconds / floor:>8.1f}")
    for name, samples in runs.items():
        seconds = statistics.median(s for s, _ in samples)
        overhead = statistics.median(o for _, o in samples)
        print(f"{name:<42} {seconds:>9.3f} {seconds / floor:>8.1f}   (outside the stages: {overhead:.3f} s)")


if __name__ == "__main__":
    main()
