"""Plain-text rendering of an explanation, in the words of theSindex's paper page."""

from __future__ import annotations

import math
import textwrap

from datarank.outputs import Explanation
from datarank.researchers import ResearcherExplanation
from datarank.units import UnitExplanation

#: The checklist of the FAIR score as theSindex names it: (scores column, label).
FAIR_CHECKLIST = (
    ("has_doi", "Has DOI"), ("in_repository", "In repository"), ("is_oa", "Open Access"),
    ("datacite_registered", "DataCite registered"), ("linked_datasets", "Linked datasets"),
    ("open_licence", "Open licence"), ("version_history", "Version history"),
)
FAIR_DIMENSIONS = (("fair_findable", "Findable"), ("fair_accessible", "Accessible"),
                   ("fair_interoperable", "Interoperable"), ("fair_reusable", "Reusable"))
#: An abstract is shortened to about this many characters unless asked for whole.
ABSTRACT_CHARS = 600
WIDTH = 100


def render_explanation(explanation: Explanation, full_abstract: bool = False) -> str:
    """The seed page's breakdown: DataRank to one decimal, then the parts and the citers, the
    calibrated FAIR score with its checklist, and the abstract (shortened unless `full_abstract`)."""
    work, d = explanation.work, explanation.damping
    share = work["base_share"]
    top_percent = 100.0 * work["rank"] / explanation.works_ranked
    lines = [
        f"{work['work_id']}  {work['title'] or '(no title)'}",
        f"  {work['publication_year'] or '?'} · {work['type'] or '?'} · DOI {'yes' if work['has_doi'] else 'no'}"
        f" · open access {'yes' if work['is_oa'] else 'no' if work['is_oa'] is not None else '?'}",
        *([f"  {published_in(explanation)}"] if explanation.context.get("venue") else []),
        *([f"  its DOI is also the DOI of {', '.join(explanation.same_doi)} (datarank explain {explanation.same_doi[0]})"]
          if explanation.same_doi else []),
        "",
        f"DataRank {work['datarank']:.1f}   (exactly {work['datarank']:.4f}; rank {work['rank']:,} of "
        f"{explanation.works_ranked:,}, top {top_percent:.1f}%, percentile {work['percentile']:.1f})",
    ]
    if "tier" in work:  # versions published before tiers existed lack these columns
        lines.append(
            f"  {tier_label(work['tier'], explanation.tiers)} · among {year_type_label(work)}: rank "
            f"{work['year_type_rank']:,} of {work['year_type_works']:,}, percentile {work['year_type_percentile']:.1f}"
        )
    if "subfield_year_rank" in work:  # versions published before the field-normalised standing lack these
        lines += standing_lines(work)
    lines += [
        f"  Base Score Contribution        {work['base_contribution']:.1f}   "
        f"({1 - d:.2f} × ln(1 + {work['cited_by_count']:,}) = {work['base_contribution']:.4f})",
        f"  Citation Network Contribution  {work['network_contribution']:.1f}   "
        f"({d:.2f} × {work['network_score']:.4f} = {work['network_contribution']:.4f})",
    ]
    if share is None:
        lines.append("  no citations and no network signal")
    else:
        lines.append(
            f"  roughly {_percent(share)} from base citations, {_percent(work['network_share'])} from the citation network"
        )
    lines += [
        "",
        f"Citers in snapshot {work['citers_in_snapshot']:,} · considered {work['citers_considered']:,} "
        f"(cap {explanation.cap}{', reached' if work['cap_bound'] else ''}) · "
        f"self-citations dropped {work['self_citations_excluded']:,}",
        f"from {work['citers_with_signal']:,} citing papers with measurable signal",
    ]
    if explanation.citers:
        lines += ["", f"Top citers by contribution (of {work['citers_considered']:,} considered)"]
        lines.append(f"  {'#':>4}  {'work':<13} {'cited by':>9} {'refs':>6} {'contribution':>13}  title")
        for citer in explanation.citers:
            note = "  [self-citation, excluded]" if citer.is_self_citation else ""
            title = (citer.title or "(no title)")[:60]
            lines.append(
                f"  {citer.rank:>4}  {citer.work_id:<13} {citer.cited_by_count:>9,} {citer.outdegree:>6,} "
                f"{citer.contribution:>13.4f}  {title}{note}"
            )
    if "fair_score" in work:  # versions published before the FAIR score lack its columns
        lines += ["", *fair_lines(explanation)]
    lines += ["", *abstract_lines(explanation, full_abstract)]
    lines.append(f"\nversion {explanation.version}")
    return "\n".join(lines)


def standing_lines(work: dict[str, object]) -> list[str]:
    """The standing within subfield × year and field × year, and OpenAlex's own indicators beside it
    (docs/standing.md)."""
    year = work["publication_year"] if work["publication_year"] is not None else "year unknown"
    lines = []
    for kind in ("subfield", "field"):
        name = work[f"{kind}_name"] or (f"{kind} {work[f'{kind}_id']}" if work[f"{kind}_id"] is not None else None)
        group = f"{name}, {year}" if name else f"no topic, {year}"
        lines.append(f"  in its {kind} ({group}): rank {work[f'{kind}_year_rank']:,} of {work[f'{kind}_year_works']:,}, "
                     f"percentile {work[f'{kind}_year_percentile']:.1f}")
    fwci, normalized = work["openalex_fwci"], work["openalex_normalized_percentile"]
    lines.append(f"  OpenAlex's own: FWCI {'–' if fwci is None else f'{fwci:.2f}'} · normalised citation percentile "
                 f"{'–' if normalized is None else f'{normalized:.4f}'} (0–1 scale; context, not used in DataRank)")
    return lines


def render_researcher(explanation: ResearcherExplanation) -> str:
    """A researcher's score (SPEC §8) and the works it is the mean of, best first."""
    researcher, works = explanation.researcher, explanation.works
    top_percent = 100.0 * researcher["rank"] / explanation.researchers_ranked
    counted = f"all {len(works)}" if len(works) == researcher["works"] else f"the best {len(works)} of {researcher['works']:,}"
    lines = [
        f"{researcher['author_id']}  researcher · {researcher['works']:,} work{'s' if researcher['works'] != 1 else ''} "
        f"in the snapshot",
        "",
        f"Researcher score {researcher['researcher_score']:.1f}   (exactly {researcher['researcher_score']:.4f}; rank "
        f"{researcher['rank']:,} of {explanation.researchers_ranked:,}, top {top_percent:.1f}%, "
        f"percentile {researcher['percentile']:.1f})",
        f"  the mean DataRank of {counted} works (at most the ten best count)",
        "",
        f"The works that make the score (of {explanation.works_ranked:,} works ranked)",
        f"  {'#':>3}  {'work':<13} {'DataRank':>9} {'rank':>8}  {'tier':<8} {'year':>4}  {'type':<12} title",
    ]
    for work in works:
        year = work.publication_year if work.publication_year is not None else "?"
        lines.append(
            f"  {work.position:>3}  {work.work_id:<13} {work.datarank:>9.4f} {work.rank:>8,}  {work.tier or '?':<8} "
            f"{year:>4}  {(work.type or '?')[:12]:<12} {(work.title or '(no title)')[:60]}".rstrip()
        )
    lines.append(f"\nversion {explanation.version}")
    return "\n".join(lines)
def render_unit(explanation: UnitExplanation) -> str:
    """A unit's figures (docs/units.md) and its ten best works, best first."""
    unit, works = explanation.unit, explanation.works
    name_column = {"institutions": "institution_name", "sources": "source_name", "countries": "country_name",
                   "fields": "field_name"}[explanation.table]
    whole = explanation.table in ("sources", "fields")
    fractional = "" if whole else f" · {unit['works_fractional']:,.2f} by fractional counting"
    lines = [
        f"{explanation.unit_id}  {unit[name_column] or '(no name)'}",
        f"  {explanation.noun} · {unit['works_full']:,} work{'s' if unit['works_full'] != 1 else ''}{fractional} "
        f"· core corpus {explanation.core_corpus}",
        "",
        f"DataRank sum {unit['datarank_sum']:.2f}   (rank {unit['rank']:,} of {explanation.units_ranked:,} "
        f"{explanation.table}{'' if whole else ', fractional counting'})",
        f"  mean {unit['datarank_mean']:.4f} · mean of the ten best works {unit['top10_mean']:.4f}",
        f"  PP(top 10%) {100 * unit['pp_top10_full']:.1f}% full" + ("" if whole else
                                                                    f", {100 * unit['pp_top10_fractional']:.1f}% fractional")
        + f" · PP(top 1%) {100 * unit['pp_top1_full']:.1f}% full"
        + ("" if whole else f", {100 * unit['pp_top1_fractional']:.1f}% fractional"),
        "  (top x%: among works of the same publication year and type, docs/units.md)",
        "",
        f"Its best works, at most ten: top10_mean is their mean (of {explanation.works_ranked:,} works ranked)",
        f"  {'#':>3}  {'work':<13} {'DataRank':>9} {'rank':>8}  {'y×t pct':>7} {'share':>6} {'year':>4}  title",
    ]
    for work in works:
        year = work.publication_year if work.publication_year is not None else "?"
        lines.append(
            f"  {work.position:>3}  {work.work_id:<13} {work.datarank:>9.4f} {work.rank:>8,}  "
            f"{work.year_type_percentile:>7.1f} {work.weight:>6.3f} {year:>4}  {(work.title or '(no title)')[:60]}".rstrip()
        )
    lines.append(f"\nversion {explanation.version}")
    return "\n".join(lines)


def published_in(explanation: Explanation) -> str:
    """`published in Scientometrics (2019)`, as the seed page says it."""
    year = explanation.work.get("publication_year")
    return f"published in {explanation.context['venue']}" + (f" ({year})" if year is not None else "")


def fair_score_label(score: float | None) -> str:
    """A calibrated FAIR score as the seed page shows it: a whole number out of 100, half up."""
    return "–" if score is None else f"{math.floor(score + 0.5)}/100"


def fair_lines(explanation: Explanation) -> list[str]:
    """The calibrated FAIR score, its four dimensions and the checklist (context only)."""
    work = explanation.work
    version = explanation.fair.get("version") or "fair_v1"
    if work["fair_score"] is None:
        why = "paratext" if explanation.context.get("paratext") else "not scored"
        lines = [f"No calibrated FAIR score ({why}: {version} scores research outputs, not paratext)"]
    else:
        lines = [
            f"Its calibrated FAIR score is {fair_score_label(work['fair_score'])}   ({version}; among "
            f"{year_type_label(work)}: {fair_score_label(work['fair_year_type_score'])})",
            "  " + " · ".join(f"{label} {work[column]}" for column, label in FAIR_DIMENSIONS)
            + f"   (raw {work['fair_raw']:g} of 100, the mean of the four)",
        ]
        if explanation.context.get("is_retracted"):
            lines.append("  retracted: 0 on every dimension")
    checks = [f"[{'x' if work[column] else ' '}] {label}" for column, label in FAIR_CHECKLIST]
    lines.append("  FAIR checklist (context only, not used in DataRank):")
    lines += ["    " + "   ".join(checks[i:i + 4]) for i in range(0, len(checks), 4)]
    return lines


def abstract_lines(explanation: Explanation, full: bool = False) -> list[str]:
    """The abstract, wrapped; shortened at a word to about ABSTRACT_CHARS unless `full`."""
    text = explanation.abstract
    if not text:
        return ["Abstract: none in the snapshot" if explanation.fair.get("abstracts") else
                "Abstract: not kept in this version (run with --abstracts to keep them)"]
    shown = text if full or len(text) <= ABSTRACT_CHARS else shorten(text, ABSTRACT_CHARS)
    lines = ["Abstract", *textwrap.wrap(shown, WIDTH - 2, initial_indent="  ", subsequent_indent="  ")]
    if shown != text:
        lines.append(f"  (shortened: {len(text.split()):,} words in all; --full-abstract shows it whole)")
    return lines


def shorten(text: str, limit: int) -> str:
    """`text` cut at the last word boundary before `limit` characters, with an ellipsis."""
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return f"{cut} …"


def tier_label(tier: str, cutoffs: list[float]) -> str:
    """`Tier S2 (top 5% by percentile)`; `unranked` says why."""
    if tier == "unranked":
        return "Unranked (no citations and no network signal)"
    number = int(tier.removeprefix("S"))
    if number <= len(cutoffs):
        return f"Tier {tier} (top {cutoffs[number - 1]:g}% by percentile)"
    return f"Tier {tier} (below the top {cutoffs[-1]:g}%)" if cutoffs else f"Tier {tier}"


def year_type_label(work: dict[str, object]) -> str:
    """`2018 article works`: the group the year × type rank is taken in."""
    year = work["publication_year"] if work["publication_year"] is not None else "year unknown"
    kind = work["type"] if work["type"] is not None else "type unknown"
    return f"{year} {kind} works"


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%" if not math.isnan(share) else "?"
