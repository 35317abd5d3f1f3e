"""Write a synthetic OpenAlex snapshot (legacy layout) of any size, with the real shape.

    python benchmarks/synth.py OUT --works 300000 [--partitions 20] [--seed 1] [--mean-refs 12]
    python benchmarks/synth.py OUT --grow 0.01     # add one nightly partition: 1% new works

The command line of the snapshot factory's scale generator (tests/factory/scale.py, which says what
the snapshot holds). Growing adds works after the ones already there: the snapshot's size is kept in
OUT/synth.json, so a second --grow of the same size writes new works, not the same ones again.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests.factory
from tests.factory.scale import SizeMismatch, generate, held_works


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--works", type=int, help="works to write; with --grow, the snapshot's size (default: from synth.json)")
    parser.add_argument("--partitions", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mean-refs", type=float, default=12.0)
    parser.add_argument("--dup-fraction", type=float, default=0.02)
    parser.add_argument("--merge-fraction", type=float, default=0.001)
    parser.add_argument("--grow", type=float, default=0.0, help="add a partition with this fraction of new works")
    parser.add_argument("--memory-limit", default="4GB")
    args = parser.parse_args()
    if args.works is None:
        args.works = held_works(args.out) if args.grow else None
        if args.works is None:
            parser.error("--works is needed (it can be left out only with --grow, on a snapshot this script wrote)")
    try:
        figures = generate(
            args.out, args.works, args.partitions, args.seed, args.mean_refs, args.dup_fraction,
            args.merge_fraction, args.grow, args.memory_limit,
        )
    except SizeMismatch as error:
        raise SystemExit(str(error)) from None
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
