"""`datarank sensitivity`: how much the ranking depends on the cap and the damping (docs/sensitivity.md).

Each setting (cap, damping) is scored by the score stage's own models (`SCORE_MODELS`: the SQL
the stage runs, with that setting's `$cap` and `$damping`), then compared with the published
version by `SENSITIVITY_MODELS`: Spearman's rho, Kendall's tau-b, the overlap of the top 100 and
top 1,000 and the share of works changing tier. Nothing is published: the settings' tables live
in an in-memory DuckDB database (spilling to `<data_dir>/tmp/duckdb`) that is dropped at the end;
the only file written is `<data_dir>/sensitivity.json`, through a rename, which the report reads.

What is scored: the core tables of the version compared against (its own links to the ingest it was
scored from), read under the version's reader lock and without the lake's lock. A run that
publishes meanwhile makes a new version and may replace the lake's core, but never changes or
removes a published version's files (and `datarank prune` skips a version a reader holds), so the
comparison stays between one version and settings scored from exactly its works. Ranks, ties and
tiers follow the published version's order (its tiers' cut-offs too), so the published setting's
row is 1 in every correlation and overlap and 0 in tier changes: a check of the whole comparison.

Settings are scored in (cap, damping) order and a model is made again only when a parameter it
depends on (its own SQL or its inputs') changed: the FAIR score and the works' signals once, the
capped citers once per cap, the final scores once per setting.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from datarank import DataRankError, UsageError, __version__
from datarank.db import connect, create_table, sql_text
from datarank.engines.duckdb import make_sources, run_models
from datarank.lake import Lake, write_json_atomic
from datarank.models import FULL, SCORE_MODELS, SENSITIVITY_MODELS, Model, for_mode
from datarank.sensitivity_table import SENSITIVITY_FILE, TOPS
from datarank.settings import DEFAULT_TIERS, Settings

log = logging.getLogger(__name__)

DEFAULT_CAPS = "50,100,200,400"
DEFAULT_DAMPINGS = "0.80,0.85,0.90"
#: The metric's parameters; every other parameter of the score models is the same for each setting.
VARIED = ("cap", "damping")
#: The published version's scores, beside its core tables (`core_openalex__<name>` is `<name>.parquet`).
PUBLISHED_SCORES = "published_datarank__scores"


def source_files(models: tuple[Model, ...]) -> dict[str, str]:
    """Each table the models read and do not make → its file in a published version."""
    made = {model.name for model in models}
    read = {name for model in models for name in model.inputs} - made
    files = {name: name.removeprefix("core_openalex__") + ".parquet" for name in read if name.startswith("core_openalex__")}
    assert len(files) == len(read), sorted(read - set(files))
    return {**files, PUBLISHED_SCORES: "scores.parquet"}


def parse_caps(text: str) -> tuple[int, ...]:
    """`50,100,200` → (50, 100, 200): whole numbers of at least 1, duplicates dropped."""
    values = []
    for item in _items(text, "--cap"):
        try:
            value = int(item)
        except ValueError:
            raise UsageError(f"--cap takes whole numbers of at least 1, comma-separated, e.g. 50,100,200; got {item!r}") from None
        if value < 1:
            raise UsageError(f"--cap values must be at least 1, got {value}")
        values.append(value)
    return tuple(sorted(set(values)))


def parse_dampings(text: str) -> tuple[float, ...]:
    """`0.80,0.85` → (0.8, 0.85): numbers between 0 and 1, duplicates dropped."""
    values = []
    for item in _items(text, "--damping"):
        try:
            value = float(item)
        except ValueError:
            raise UsageError(f"--damping takes numbers between 0 and 1, comma-separated, e.g. 0.80,0.85; got {item!r}") from None
        if not 0.0 <= value <= 1.0:  # also refuses nan
            raise UsageError(f"--damping values must be between 0 and 1, got {item}")
        values.append(value)
    return tuple(sorted(set(values)))


def _items(text: str, option: str) -> list[str]:
    items = [item.strip() for item in str(text).split(",")]
    if not items or any(not item for item in items):
        raise UsageError(f"{option} takes a comma-separated list without empty items, got {text!r}")
    return items


def plan(caps: tuple[int, ...], dampings: tuple[float, ...], published: tuple[int, float], grid: bool) -> list[tuple[int, float]]:
    """The settings to score, in (cap, damping) order, the published one always among them.

    grid: every cap × damping pair. Otherwise each cap at the published damping and each damping
    at the published cap: one parameter moved at a time, len(caps) + len(dampings) − 1 settings
    instead of their product (each costs about one score stage; docs/sensitivity.md).
    """
    cap, damping = published
    pairs = {(c, d) for c in caps for d in dampings} if grid else {(c, damping) for c in caps} | {(cap, d) for d in dampings}
    return sorted(pairs | {published})


def sensitivity(settings: Settings, caps: tuple[int, ...], dampings: tuple[float, ...], grid: bool = False) -> dict[str, Any]:
    """Score each setting and compare it with the current version; write `<data_dir>/sensitivity.json`.

    Returns:
        What sensitivity.json holds: the version compared, the published setting, and a row per setting.
    """
    lake = Lake(settings.data_dir)
    started = time.perf_counter()
    with lake.reading() as folder:
        manifest = json.loads((folder / "manifest.json").read_text())
        parameters = manifest.get("parameters") or {}
        published = (int(parameters["cap"]), float(parameters["damping"]))
        tiers = tuple(parameters.get("tiers") or DEFAULT_TIERS)
        missing = [name for name in source_files(scores_models()).values() if not (folder / name).exists()]
        if missing:
            raise DataRankError(
                f"version {folder.name} lacks {', '.join(missing)} (published by an older release); "
                "run `datarank compute` to publish a new version first"
            )
        settings_to_score = plan(caps, dampings, published, grid)
        rows, prepare_seconds = _score_and_compare(settings.with_(tiers=tiers), folder, settings_to_score, published)
    try:
        current_core: str | None = lake.current_core().name
    except DataRankError:
        current_core = None
    result = {
        "version": folder.name,
        "core": manifest.get("core"),
        "current_core": current_core,
        "published": {"cap": published[0], "damping": published[1], "tiers": list(tiers)},
        "grid": "every cap × damping pair" if grid else "one parameter moved at a time",
        "tops": list(TOPS),
        "kendall": "exact tau-b, discordant pairs counted in SQL in O(n log² n) (Knight's method)",
        "engine": "duckdb",
        "works": rows[0]["works"] if rows else 0,
        "prepare_seconds": round(prepare_seconds, 3),
        "total_seconds": round(time.perf_counter() - started, 3),
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_version": __version__,
        "settings": rows,
    }
    try:
        write_json_atomic(settings.data_dir / SENSITIVITY_FILE, result)
    except OSError as error:
        log.warning("could not write %s: %s", settings.data_dir / SENSITIVITY_FILE, error)
    return result


def scores_models() -> tuple[Model, ...]:
    """The full-mode score models out_datarank__scores needs, in their order, each kept as a table
    of the connection (no file is written)."""
    models = for_mode(SCORE_MODELS, FULL)
    needed = {"out_datarank__scores"}
    for model in reversed(models):
        if model.name in needed:
            needed |= set(model.inputs)
    return tuple(
        replace(model, materialized="table", file=None, order_by=None) if model.materialized == "output" else model
        for model in models if model.name in needed
    )


def _depends_on(models: tuple[Model, ...]) -> dict[str, frozenset[str]]:
    """Each model → the varied parameters its SQL or any model it reads (transitively) uses."""
    found: dict[str, frozenset[str]] = {}
    for model in models:
        own = {name for name in VARIED if f"${name}" in sql_text(model.sql(FULL))}
        found[model.name] = frozenset(own.union(*(found.get(source, frozenset()) for source in model.inputs)))
    return found


def _score_and_compare(
    settings: Settings, folder: Path, settings_to_score: list[tuple[int, float]], published: tuple[int, float]
) -> tuple[list[dict[str, Any]], float]:
    models = scores_models()
    depends = _depends_on(models)
    pairs, summary = SENSITIVITY_MODELS
    connection = connect(settings)
    try:
        make_sources(connection, {view: folder / name for view, name in source_files(models).items()})
        clock = time.perf_counter()
        base_params = settings.score_params
        run_models(connection, [m for m in models if not depends[m.name]], FULL, folder, base_params)
        prepare_seconds = time.perf_counter() - clock
        previous: dict[str, Any] = {}
        rows = []
        for cap, damping in settings_to_score:
            params = settings.with_(cap=cap, damping=damping).score_params
            changed = {name for name in VARIED if previous.get(name) != params[name]}
            clock = time.perf_counter()
            run_models(connection, [m for m in models if depends[m.name] & changed], FULL, folder, params)
            scored = time.perf_counter() - clock
            create_table(connection, pairs.sql(FULL), name=pairs.name)
            cursor = connection.execute(sql_text(summary.sql(FULL)), {"top_small": TOPS[0], "top_large": TOPS[1]})
            names = [column[0] for column in cursor.description]
            figures = dict(zip(names, cursor.fetchall()[0], strict=True))
            compared = time.perf_counter() - clock - scored
            rows.append(_row(cap, damping, (cap, damping) == published, figures, scored, compared))
            log.info("sensitivity: cap %s, damping %s scored in %.1f s, compared in %.1f s", cap, damping, scored, compared)
            previous = params
    finally:
        connection.close()
    return rows, prepare_seconds


def _row(cap: int, damping: float, is_published: bool, figures: dict[str, Any], scored: float, compared: float) -> dict[str, Any]:
    def number(value: Any) -> float | None:
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

    return {
        "cap": cap,
        "damping": damping,
        "published": is_published,
        "works": int(figures["works"]),
        "spearman": number(figures["spearman"]),
        "kendall_tau_b": number(figures["kendall_tau_b"]),
        f"top_{TOPS[0]}_overlap": number(figures["top_small_overlap"]),
        f"top_{TOPS[1]}_overlap": number(figures["top_large_overlap"]),
        "tier_changed": number(figures["tier_changed"]),
        "tier_changes": int(figures["tier_changes"]),
        "discordant_pairs": int(figures["discordant_pairs"]),
        "score_seconds": round(scored, 3),
        "compare_seconds": round(compared, 3),
    }
