"""The data dictionary's entries for the units' leaderboards (docs/units.md): institutions,
sources, countries and fields, which share their figures' columns (datarank.dictionary lists them
among every view)."""

from __future__ import annotations

from datarank.dictionary_schema import Column, View

_UNITS = "docs/units.md"


def _unit_view(name: str, grain: str, identity: tuple[Column, Column], whole: bool) -> View:
    """A unit's leaderboard (docs/units.md): its id and name, then the same figures for every unit.
    `whole`: a work belongs wholly to its one unit (sources, fields), so fractional = full."""
    split = ("a work's 1 split equally over its authorships, an authorship's share over its "
             f"{'institutions' if name == 'institutions' else 'countries'}")
    weight = "1 per work (a work has one; fractional = full)" if whole else split
    return View(
        name=name,
        grain=f"{grain}, over the core corpus (--core-corpus), best first by rank",
        made_by=f"sql/out/out_datarank__{name}.sql (figures from sql/int/int_datarank__unit_totals.sql)",
        columns=(
            *identity,
            Column("works_full", "BIGINT", "distinct core-corpus works linked to it (full counting)", "works", _UNITS),
            Column("works_fractional", "DOUBLE", "its share of those works (fractional counting)", "works",
                   f"Σ weight, {weight} ({_UNITS})"),
            Column("datarank_sum", "DOUBLE", "the DataRank of its works, fractionally counted", "DataRank points",
                   f"Σ weight × datarank ({_UNITS})"),
            Column("datarank_mean", "DOUBLE", "the mean DataRank of its works, fractionally counted", "DataRank points",
                   "datarank_sum / works_fractional"),
            Column("pp_top10_full", "DOUBLE", "PP(top 10%): the share of its works in the top 10% of their publication "
                   "year × type", "fraction (0–1)", f"DataRank > 0 and scores.year_type_percentile ≥ 90, by count ({_UNITS})"),
            Column("pp_top10_fractional", "DOUBLE", "PP(top 10%) by fractional counting", "fraction (0–1)",
                   f"Σ weight over its top-10% works / works_fractional ({_UNITS})"),
            Column("pp_top1_full", "DOUBLE", "PP(top 1%): the share of its works in the top 1% of their publication "
                   "year × type", "fraction (0–1)", f"DataRank > 0 and year_type_percentile ≥ 99, by count ({_UNITS})"),
            Column("pp_top1_fractional", "DOUBLE", "PP(top 1%) by fractional counting", "fraction (0–1)",
                   f"Σ weight over its top-1% works / works_fractional ({_UNITS})"),
            Column("top10_mean", "DOUBLE", "the mean DataRank of its ten best works (all of them when fewer)",
                   "DataRank points", f"as the researcher score: its first ten works by scores.rank ({_UNITS})"),
            Column("rank", "BIGINT", "place among the units of its kind (1 = best)", "rank",
                   f"datarank_sum desc (in fixed point, so equal sums tie), ties by id asc ({_UNITS})"),
        ),
    )


_NAME_RULE = f"the name most of its core-corpus works give; ties: the smallest ({_UNITS})"
INSTITUTIONS = _unit_view("institutions", "one row per institution named by an authorship of a core-corpus work", (
    Column("institution_id", "VARCHAR", "the institution's OpenAlex id, as `I` and its number", "",
           "authorships[].institutions[].id"),
    Column("institution_name", "VARCHAR", "the institution's name", "", _NAME_RULE)), whole=False)
SOURCES = _unit_view("sources", "one row per source (journal, repository, conference) of a core-corpus work", (
    Column("source_id", "VARCHAR", "the source's OpenAlex id, as `S` and its number", "", "primary_location.source.id"),
    Column("source_name", "VARCHAR", "the source's name", "", _NAME_RULE)), whole=True)
COUNTRIES = _unit_view("countries", "one row per country of an authorship of a core-corpus work", (
    Column("country_code", "VARCHAR", "the country's ISO 3166-1 alpha-2 code", "", "authorships[].countries"),
    Column("country_name", "VARCHAR", "the country code again: the snapshot carries no country names", "",
           f"country_code ({_UNITS})")), whole=False)
FIELDS = _unit_view("fields", "one row per field (primary_topic.field) of a core-corpus work", (
    Column("field_id", "INTEGER", "the field's OpenAlex number (fields/17 → 17)", "", "primary_topic.field.id"),
    Column("field_name", "VARCHAR", "the field's name", "", _NAME_RULE)), whole=True)
