"""The pipeline as data: every SQL model, the tables it reads, how it is kept, and in which mode.

Like dbt's `ref()` graph or PUDL's asset lists, this is the one place that says what the set-based
steps are and in what order they run. The engines (`datarank.engines`) run a stage's list for a
mode; nothing renames a table to switch modes. A table means the same in every mode: where a mode
computes it differently, the model has one file per mode, side by side in its folder —
`sql/<layer>/<name>.sql` for a full build and `sql/<layer>/<name>.incremental.sql` for an
incremental one.

Modes:
    full         every work is read (core) or scored (score) from scratch.
    incremental  a night extends the previous core with new part files only, and rescores only the
                 works whose inputs may have changed, carrying the others' figures from the
                 version published last (docs/incremental.md).

Materializations:
    view    `create view` of the statement: free to make, computed by each reader.
    table   a table of the run's database (DuckDB spills it past --memory-limit); Spark writes it
            to Parquet and reads it back, so it is never computed twice.
    output  written once as `<file>` into the stage's folder (the core, or the staged version),
            then read back by later models through a view of that file.
    hook    made by the Python that runs the stage (a decision SQL does not take well, such as
            whether a night writes a new winners base); named here so the graph is whole.

Sources are the tables a stage's models read that no model of that stage makes: the engine makes
them as views of lake files before running the models (`SOURCES`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

FULL = "full"
INCREMENTAL = "incremental"
MODES = (FULL, INCREMENTAL)
BOTH = frozenset(MODES)
ONLY_FULL = frozenset({FULL})
ONLY_INCREMENTAL = frozenset({INCREMENTAL})
MATERIALIZATIONS = ("view", "table", "output", "hook")


@dataclass(frozen=True)
class Model:
    """One SQL model: a statement in `sql/`, named after the table it makes.

    Attributes:
        name: The table it makes, named after its layer (`core_openalex__…`, `int_datarank__…`,
            `out_datarank__…`).
        layer: The folder under `sql/`.
        inputs: The tables its statement reads (models or sources); checked against the SQL text by
            the tests, so the graph cannot drift from the files.
        materialized: view, table or output (see the module docstring).
        modes: The modes whose runs make it.
        per_mode: True when the incremental mode reads `<name>.incremental.sql` instead of `<name>.sql`.
        file: For outputs, the Parquet file written into the stage's folder.
        order_by: For outputs that readers look up by id (or DOI), the columns the file is written
            sorted by (both engines), so each row group covers a narrow key range and a lookup reads
            only the row groups whose min/max statistics hold the key (`datarank explain`,
            `datarank.open()`).
            The order changes no value, only where rows lie.
    """

    name: str
    layer: str
    inputs: tuple[str, ...]
    materialized: str = "table"
    modes: frozenset[str] = BOTH
    per_mode: bool = False
    file: str | None = None
    order_by: str | None = None

    def __post_init__(self) -> None:
        assert self.materialized in MATERIALIZATIONS, self.materialized
        assert (self.materialized == "output") == (self.file is not None), self.name
        assert self.order_by is None or (self.file is not None and re.fullmatch(r"[a-z_]+(, [a-z_]+)*", self.order_by))

    def sql(self, mode: str) -> str:
        """The statement's file under `sql/`, without `.sql`, for `mode`."""
        suffix = ".incremental" if self.per_mode and mode == INCREMENTAL else ""
        return f"{self.layer}/{self.name}{suffix}"


@dataclass(frozen=True)
class Source:
    """A table the models of a stage read that no model of the stage makes.

    Attributes:
        name: The view's name.
        where: What it is a view of (documentation; the stage gives the path).
        modes: The modes in which the stage provides it.
    """

    name: str
    where: str
    modes: frozenset[str] = BOTH


# ---------------------------------------------------------------- core: raw files → the core tables of one ingest
#: What the core build reads: the raw rows of the part files it reads (every file on a full build,
#: the new ones on a night), the snapshot's merge and deletion lists, and on a night the core it
#: extends. datarank.ingest.core makes them.
CORE_SOURCES = (
    Source("raw_openalex__works", "the raw Parquet files of the part files read, with each row's file"),
    Source("raw_openalex__file_lines", "lines read and quarantined per part file of the manifest"),
    Source("raw_openalex__merged_ids", "the snapshot's merged_ids CSV files (sql/raw/)"),
    Source("raw_openalex__deleted_ids", "the snapshot's deleted_ids CSV file (sql/raw/)"),
    Source("previous_openalex__works", "the extended core's works.parquet", ONLY_INCREMENTAL),
    Source("previous_openalex__merge_map", "the extended core's merge_map.parquet", ONLY_INCREMENTAL),
    Source("previous_openalex__citations", "the extended core's citations.parquet", ONLY_INCREMENTAL),
    Source("previous_openalex__authorships", "the extended core's authorships.parquet", ONLY_INCREMENTAL),
    Source("previous_openalex__quarantine", "the extended core's quarantine.parquet", ONLY_INCREMENTAL),
    Source("previous_openalex__abstracts", "the extended core's abstracts.parquet", ONLY_INCREMENTAL),
    Source("previous_openalex__winners", "the extended core's current winners (base less changed, plus changed)",
           ONLY_INCREMENTAL),
    Source("previous_openalex__winners_changed", "the extended core's winners_changed.parquet (no rows without one)",
           ONLY_INCREMENTAL),
)

#: The core build, in the order it runs. `core_openalex__winners` on a night is made by Python
#: (datarank.ingest.core): it links the base in and decides whether to write a new one.
CORE_MODELS = (
    Model("core_openalex__merge_map", "core", ("raw_openalex__merged_ids",), "output", file="merge_map.parquet"),
    Model("core_openalex__deleted_ids", "core", ("raw_openalex__deleted_ids",), "output", file="deleted_ids.parquet"),
    # A view on a full build (the raw files are read once, by the winners); a night reads it thrice.
    Model("core_openalex__new_copies", "core", ("raw_openalex__works",), "view", ONLY_FULL),
    Model("core_openalex__new_copies", "core", ("raw_openalex__works",), "table", ONLY_INCREMENTAL),
    Model("core_openalex__contenders", "core", ("core_openalex__new_copies",), "view", ONLY_FULL),
    Model("core_openalex__contenders", "core", ("core_openalex__new_copies", "previous_openalex__winners"), "view",
          ONLY_INCREMENTAL, per_mode=True),
    Model("core_openalex__winning_copies", "core", ("core_openalex__contenders",), "view"),
    Model("core_openalex__winners", "core", ("core_openalex__winning_copies",), "output", ONLY_FULL, file="winners.parquet"),
    Model("core_openalex__winners_changed", "core",
          ("core_openalex__winning_copies", "previous_openalex__winners_changed", "core_openalex__new_copies"),
          "output", ONLY_INCREMENTAL, file="winners_changed.parquet"),
    Model("core_openalex__winners", "core", ("core_openalex__winners_changed", "previous_openalex__winners"), "hook",
          ONLY_INCREMENTAL),
    Model("core_openalex__work_records", "core",
          ("core_openalex__winners", "core_openalex__merge_map", "raw_openalex__deleted_ids")),
    Model("core_openalex__dirty_citers", "core",
          ("core_openalex__winners", "core_openalex__new_copies", "previous_openalex__winners", "core_openalex__work_records",
           "previous_openalex__works", "core_openalex__merge_map", "previous_openalex__merge_map"),
          "table", ONLY_INCREMENTAL),
    Model("core_openalex__rebuilt_works", "core", ("core_openalex__work_records",), "view", ONLY_FULL),
    Model("core_openalex__rebuilt_works", "core", ("core_openalex__work_records", "core_openalex__dirty_citers"), "view",
          ONLY_INCREMENTAL, per_mode=True),
    Model("core_openalex__carried_citations", "core", ("previous_openalex__citations", "core_openalex__dirty_citers"),
          "view", ONLY_INCREMENTAL),
    Model("core_openalex__carried_authorships", "core", ("previous_openalex__authorships", "core_openalex__dirty_citers"),
          "view", ONLY_INCREMENTAL),
    Model("core_openalex__rebuilt_citations", "core",
          ("core_openalex__rebuilt_works", "core_openalex__merge_map", "core_openalex__work_records"), "view"),
    Model("core_openalex__citations", "core", ("core_openalex__rebuilt_citations",), "output", ONLY_FULL,
          file="citations.parquet"),
    Model("core_openalex__citations", "core", ("core_openalex__rebuilt_citations", "core_openalex__carried_citations"),
          "output", ONLY_INCREMENTAL, per_mode=True, file="citations.parquet"),
    Model("core_openalex__rebuilt_authorships", "core", ("core_openalex__rebuilt_works",), "view"),
    Model("core_openalex__authorships", "core", ("core_openalex__rebuilt_authorships",), "output", ONLY_FULL,
          file="authorships.parquet"),
    Model("core_openalex__authorships", "core",
          ("core_openalex__rebuilt_authorships", "core_openalex__carried_authorships"),
          "output", ONLY_INCREMENTAL, per_mode=True, file="authorships.parquet"),
    Model("core_openalex__rescored_works", "core",
          ("core_openalex__dirty_citers", "core_openalex__citations", "previous_openalex__citations"),
          "output", ONLY_INCREMENTAL, file="rescored_works.parquet"),
    Model("core_openalex__works", "core", ("core_openalex__work_records",), "output", file="works.parquet",
          order_by="work_id"),
    # Lookups by DOI (`datarank explain 10.…`): the works' DOIs, sorted by DOI.
    Model("core_openalex__dois", "core", ("core_openalex__works",), "output", file="dois.parquet", order_by="doi, work_id"),
    # fair_v1's inputs and the abstracts: tables of their own, DataRank's stay as they are.
    Model("core_openalex__fair_signals", "core", ("core_openalex__work_records",), "output", file="fair_signals.parquet",
          order_by="work_id"),
    # What the units tables and the field-normalised standing read (docs/units.md).
    Model("core_openalex__work_context", "core", ("core_openalex__work_records",), "output", file="work_context.parquet"),
    Model("core_openalex__work_institutions", "core", ("core_openalex__work_records",), "output",
          file="work_institutions.parquet"),
    Model("core_openalex__work_countries", "core", ("core_openalex__work_records",), "output",
          file="work_countries.parquet"),
    Model("core_openalex__abstracts", "core", ("raw_openalex__works", "core_openalex__winners"), "output", ONLY_FULL,
          file="abstracts.parquet", order_by="work_id"),
    Model("core_openalex__abstracts", "core",
          ("raw_openalex__works", "core_openalex__winning_copies", "previous_openalex__abstracts"),
          "output", ONLY_INCREMENTAL, per_mode=True, file="abstracts.parquet",
          order_by="work_id"),
    Model("core_openalex__new_quarantine", "core", ("raw_openalex__works",), "view"),
    Model("core_openalex__quarantine", "core", ("core_openalex__new_quarantine",), "output", ONLY_FULL,
          file="quarantine.parquet"),
    Model("core_openalex__quarantine", "core", ("core_openalex__new_quarantine", "previous_openalex__quarantine"),
          "output", ONLY_INCREMENTAL, per_mode=True, file="quarantine.parquet"),
)


#: Queries over the finished core that the ingest reports from (not tables): where each line of
#: each part file went, and what changed since the last ingest (datarank.ingest.report).
CORE_REPORTS = ("core/core_openalex__file_accounting", "core/core_openalex__changes", "core/core_openalex__vanished_works")


# ---------------------------------------------------------------- score: core tables → a version
#: What scoring reads: the core tables of one ingest and, on a night, the version published last.
SCORE_SOURCES = (
    Source("core_openalex__works", "the core's works.parquet"),
    Source("core_openalex__citations", "the core's citations.parquet"),
    Source("core_openalex__authorships", "the core's authorships.parquet"),
    Source("core_openalex__fair_signals", "the core's fair_signals.parquet"),
    Source("core_openalex__work_context", "the core's work_context.parquet"),
    Source("core_openalex__work_institutions", "the core's work_institutions.parquet"),
    Source("core_openalex__work_countries", "the core's work_countries.parquet"),
    Source("core_openalex__rescored_works", "the core's rescored_works.parquet", ONLY_INCREMENTAL),
    Source("previous_datarank__network", "network.parquet of the version published last", ONLY_INCREMENTAL),
    Source("previous_datarank__citers", "citers.parquet of the version published last", ONLY_INCREMENTAL),
)

#: The metric (docs/metric.md), then the calibrated FAIR score (docs/fair.md), in the order they run.
#: fair_v1 scores and calibrates every work in both modes: a percentile moves with any work.
SCORE_MODELS = (
    Model("int_datarank__work_signal", "int", ("core_openalex__works",)),
    # The links whose cited work this run scores: every link, or a night's rescored works' links.
    Model("int_datarank__scored_citations", "int", ("core_openalex__citations",), "view", ONLY_FULL),
    Model("int_datarank__scored_citations", "int", ("core_openalex__citations", "core_openalex__rescored_works"),
          "table", ONLY_INCREMENTAL, per_mode=True),
    Model("int_datarank__capped_citers", "int", ("int_datarank__scored_citations", "int_datarank__work_signal")),
    Model("int_datarank__considered_citers", "int", ("int_datarank__capped_citers", "core_openalex__authorships")),
    Model("int_datarank__scored_network", "int", ("int_datarank__scored_citations", "int_datarank__considered_citers")),
    # Every cited work's network figures: those just scored, and on a night the carried ones.
    Model("int_datarank__network", "int", ("int_datarank__scored_network",), "output", ONLY_FULL,
          file="network.parquet"),
    Model("int_datarank__network", "int",
          ("int_datarank__scored_network", "previous_datarank__network", "core_openalex__rescored_works"),
          "output", ONLY_INCREMENTAL, per_mode=True, file="network.parquet"),
    Model("int_fair__linked_datasets", "fair", ("core_openalex__citations", "core_openalex__fair_signals")),
    Model("int_fair__dimensions", "fair",
          ("core_openalex__fair_signals", "core_openalex__works", "int_datarank__work_signal", "int_fair__linked_datasets")),
    Model("int_fair__scores", "fair", ("int_fair__dimensions", "core_openalex__works")),
    Model("out_datarank__scores", "out",
          ("core_openalex__works", "int_datarank__work_signal", "int_datarank__network", "int_fair__scores",
           "core_openalex__work_context"),
          "output", file="scores.parquet", order_by="work_number"),
    # Every author on every run, a night too: any work's DataRank can move any author's rank.
    Model("out_datarank__researchers", "out",
          ("out_datarank__scores", "int_datarank__network", "core_openalex__authorships"), "output",
          file="researchers.parquet"),
    Model("out_datarank__citers", "out", ("int_datarank__considered_citers",), "output", ONLY_FULL, file="citers.parquet",
          order_by="cited_id, citer_rank"),
    Model("out_datarank__citers", "out",
          ("int_datarank__considered_citers", "previous_datarank__citers", "core_openalex__rescored_works"),
          "output", ONLY_INCREMENTAL, per_mode=True, file="citers.parquet", order_by="cited_id, citer_rank"),
    # The units' leaderboards (docs/units.md), every unit on every run, as researchers: over the core
    # corpus, whose works they share.
    Model("int_datarank__unit_works", "int", ("out_datarank__scores", "int_datarank__network", "core_openalex__work_context")),
    Model("int_datarank__unit_links", "int",
          ("int_datarank__unit_works", "core_openalex__work_institutions", "core_openalex__work_countries")),
    Model("int_datarank__unit_totals", "int", ("int_datarank__unit_links", "int_datarank__unit_works")),
    Model("out_datarank__institutions", "out", ("int_datarank__unit_totals",), "output", file="institutions.parquet"),
    Model("out_datarank__sources", "out", ("int_datarank__unit_totals",), "output", file="sources.parquet"),
    Model("out_datarank__countries", "out", ("int_datarank__unit_totals",), "output", file="countries.parquet"),
    Model("out_datarank__fields", "out", ("int_datarank__unit_totals",), "output", file="fields.parquet"),
    Model("out_fair__validation", "fair", ("out_datarank__scores", "int_fair__dimensions", "core_openalex__works"),
          "output", file="fair_validation.parquet"),
    # DataRank's subfield × year percentile against OpenAlex's normalised percentile, per field.
    Model("out_datarank__openalex_agreement", "out", ("out_datarank__scores",), "output",
          file="openalex_agreement.parquet"),
)

#: Published file → the model that makes it (the rest of a version is the core's tables).
SCORE_OUTPUTS = {
    "scores": "out_datarank__scores", "researchers": "out_datarank__researchers", "citers": "out_datarank__citers",
    "fair_validation": "out_fair__validation", "openalex_agreement": "out_datarank__openalex_agreement",
    "institutions": "out_datarank__institutions", "sources": "out_datarank__sources", "countries": "out_datarank__countries",
    "fields": "out_datarank__fields",
}


# ---------------------------------------------------------------- sensitivity: other settings against the published one
#: What `datarank sensitivity` reads: the published version's core tables (its links to the ingest it
#: was scored from) and its scores.
SENSITIVITY_SOURCES = (
    *(source for source in SCORE_SOURCES if source.name.startswith("core_openalex__") and FULL in source.modes),
    Source("published_datarank__scores", "scores.parquet of the version compared against"),
)
#: After the score models that make out_datarank__scores for one setting (as tables, never files):
#: that setting's standing beside the published one, then the figures of docs/sensitivity.md.
SENSITIVITY_MODELS = (
    Model("sensitivity_datarank__pairs", "sensitivity", ("published_datarank__scores", "out_datarank__scores")),
    Model("sensitivity_datarank__summary", "sensitivity", ("sensitivity_datarank__pairs",), "view"),
)

# ---------------------------------------------------------------- checks: a staged version → pass or refuse
#: What the checks read besides the core's tables: the staged outputs and the version published
#: last (an empty table of the same columns before the first).
CHECK_SOURCES = (
    *SCORE_SOURCES[:3],
    Source("out_datarank__scores", "the staged scores.parquet"),
    Source("out_datarank__citers", "the staged citers.parquet"),
    Source("previous_datarank__scores", "scores.parquet of the version published last"),
)
#: Tables several checks read, made once before them.
CHECK_PREPARE_MODELS = (
    Model("checks_citations_by_cited", "checks/prepare", ("core_openalex__citations",)),
)


@dataclass(frozen=True)
class Check:
    """A data check: a query that selects the rows breaking an invariant (none = pass)."""

    name: str
    inputs: tuple[str, ...]

    def sql(self, mode: str = FULL) -> str:
        return f"checks/{self.name}"


CHECKS = (
    Check("citations_outside_works", ("core_openalex__works", "checks_citations_by_cited", "core_openalex__citations")),
    Check("scores_citer_counts_inconsistent", ("out_datarank__scores",)),
    Check("scores_fair_out_of_range", ("out_datarank__scores",)),
    Check("scores_counts_inconsistent_with_citations",
          ("out_datarank__scores", "out_datarank__citers", "checks_citations_by_cited")),
    Check("scores_invalid_values", ("out_datarank__scores",)),
    Check("scores_row_count_far_from_previous", ("out_datarank__scores", "previous_datarank__scores")),
    Check("scores_rows_differ_from_works", ("out_datarank__scores", "core_openalex__works")),
    Check("scores_shares_not_summing_to_one", ("out_datarank__scores",)),
    Check("scores_standing_inconsistent", ("out_datarank__scores",)),
    Check("works_order_key_out_of_range", ("core_openalex__works",)),
)


def for_mode(models: tuple[Model, ...], mode: str) -> tuple[Model, ...]:
    """The models a run in `mode` makes, in order."""
    assert mode in MODES, mode
    return tuple(model for model in models if mode in model.modes)


_TABLE_REFERENCE = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)


@cache
def tables_read(text: str) -> frozenset[str]:
    """The layer-named tables a statement reads (`from x`, `join x`), less its own CTEs."""
    ctes = set(re.findall(r"(?:^|,|\bwith)\s*([a-z_][a-z0-9_]*)\s+as\s*\(", text, re.IGNORECASE | re.MULTILINE))
    found = {name.lower() for name in _TABLE_REFERENCE.findall(_strip_comments(text))}
    return frozenset(name for name in found - ctes if "__" in name or name.startswith("checks_"))


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())
