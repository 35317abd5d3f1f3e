"""The score stage: the core tables of one ingest → the outputs of a staged (unpublished) version.

The metric itself is the score stage's models (`datarank.models.SCORE_MODELS`, files under
`sql/int/` and `sql/out/`); this module only decides the mode, points the models at the lake's
files and hands them to the engine `--engine` names.

Modes: a night whose ingest extended the previous core (an incremental ingest) and whose previous
version was scored from that core, with the same cap and damping, rescores only the works in the
core's rescored_works.parquet and carries every other work's network figures and considered
citers from that version; every work is then ranked again. Anything else scores every work.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from datarank import DataRankError
from datarank.engines import engine_for
from datarank.lake import Lake
from datarank.models import FULL, INCREMENTAL, SCORE_SOURCES
from datarank.settings import UNIT_TABLES, Settings

log = logging.getLogger(__name__)

#: Each version's network figures per cited work, for the next night (not a published table).
NETWORK_FILE = "network.parquet"
#: Where each score source is, relative to the core (`core`) or the version published last (`previous`).
_SOURCE_FILES = {
    "core_openalex__works": ("core", "works.parquet"),
    "core_openalex__citations": ("core", "citations.parquet"),
    "core_openalex__authorships": ("core", "authorships.parquet"),
    "core_openalex__fair_signals": ("core", "fair_signals.parquet"),
    "core_openalex__work_context": ("core", "work_context.parquet"),
    "core_openalex__work_institutions": ("core", "work_institutions.parquet"),
    "core_openalex__work_countries": ("core", "work_countries.parquet"),
    "core_openalex__rescored_works": ("core", "rescored_works.parquet"),
    "previous_datarank__network": ("previous", NETWORK_FILE),
    "previous_datarank__citers": ("previous", "citers.parquet"),
}


def score(settings: Settings, core_dir: Path, staged: Path) -> dict[str, Any]:
    """Score `core_dir`'s works into `staged` (scores.parquet, researchers.parquet, citers.parquet,
    network.parquet).

    Returns:
        Counts (scores, researchers, considered_citers, rescored_works) and, under "build", how it was scored.
    """
    missing = [file for place, file in _SOURCE_FILES.values() if place == "core" and file != "rescored_works.parquet"
               and not (core_dir / file).exists()]
    if missing:
        raise DataRankError(
            f"the last ingest ({core_dir.name}) predates this release's tables ({', '.join(missing)}): "
            "run `datarank ingest` (or `datarank run`) first"
        )
    engine = engine_for(settings)
    previous, why_full = _rescoring_base(settings, core_dir)
    if previous is not None and INCREMENTAL not in engine.modes:
        previous, why_full = None, f"the {settings.engine} engine scores every work"
    mode = INCREMENTAL if previous is not None else FULL
    folders = {"core": core_dir, "previous": previous}
    sources = {
        source.name: folders[_SOURCE_FILES[source.name][0]] / _SOURCE_FILES[source.name][1]  # type: ignore[operator]
        for source in SCORE_SOURCES
        if mode in source.modes
    }
    counts = engine.score(settings, mode, sources, staged)
    return {
        "scores": counts["scores"],
        "researchers": counts["researchers"],
        **{unit: counts[unit] for unit in UNIT_TABLES},
        "considered_citers": counts["citers"],
        "rescored_works": counts.get("rescored_works", counts["scores"]),
        "build": {
            "mode": mode,
            "base": previous.name if previous is not None else None,
            "why_full": why_full or None,
        },
    }


def _rescoring_base(settings: Settings, core_dir: Path) -> tuple[Path | None, str]:
    """The published version whose figures this run can carry, or None and why every work is scored."""
    if settings.full_rebuild:
        return None, "asked for (--full-rebuild)"
    try:
        build = json.loads((core_dir / "ingest.json").read_text()).get("build") or {}
    except (OSError, ValueError):
        build = {}
    if build.get("mode") != "incremental" or not (core_dir / "rescored_works.parquet").exists():
        return None, "the ingest was a full build"
    lake = Lake(settings.data_dir)
    versions = lake.versions()
    if not versions:
        return None, "no version published yet"
    previous = lake.versions_dir / versions[-1]
    try:
        manifest = json.loads((previous / "manifest.json").read_text())
    except (OSError, ValueError):
        return None, f"{versions[-1]}'s manifest cannot be read"
    if manifest.get("core") != build.get("base"):
        return None, f"{versions[-1]} was not scored from the ingest this one extends"
    parameters = manifest.get("parameters") or {}
    if (parameters.get("cap"), parameters.get("damping")) != (settings.cap, settings.damping):
        return None, f"{versions[-1]} was scored with another cap or damping"
    if not all((previous / name).exists() for name in (NETWORK_FILE, "citers.parquet")):
        return None, f"{versions[-1]} has no {NETWORK_FILE} (scored by another engine or an older release)"
    return previous, ""
