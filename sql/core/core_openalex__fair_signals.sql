-- core_openalex__fair_signals: what the calibrated FAIR score (fair_v1, SPEC §7) reads of each work's
-- current copy, as small values (fair_signals.parquet): the raw readers reduced the record to them
-- (openalex_fair_signals), and here the work's type adds the gate and the classes the score and
-- its check use. DataRank's own tables do not carry them.
-- Grain: one row per work (core_openalex__work_records). Inputs: core_openalex__work_records.
--   paratext            the gate: is_paratext true, or type paratext (not scored)
--   is_dataset          type dataset (what "linked datasets" look for in the citation links)
--   research_article    type article or review (the cohort fair_v1 is checked on)
--   has_doi … has_corresponding   the signals, booleans (see sql/macros/openalex_fair_signals.sql)
--   indexed_in, versions  distinct counts; licence  the best licence class (sql/macros/licence_class.sql)
--   venue               primary_location.source.display_name, for the paper page
-- Types are compared as SPEC §7 compares strings: trimmed, case-insensitive.
with

typed as (
    select
        work_id,
        fair,
        lower(clean_text(type)) as kind
    from core_openalex__work_records
),

final as (
    select
        work_id,
        fair.is_paratext or coalesce(kind = 'paratext', false) as paratext,
        coalesce(kind = 'dataset', false) as is_dataset,
        coalesce(kind in ('article', 'review'), false) as research_article,
        fair.has_doi,
        fair.has_pubmed_id,
        fair.indexed_in,
        fair.datacite_registered,
        fair.in_repository,
        fair.any_orcid,
        fair.all_orcid,
        fair.any_ror,
        fair.is_oa,
        fair.repository_fulltext,
        fair.oa_pdf,
        fair.oa_version,
        fair.has_mesh,
        fair.has_funding,
        fair.has_corresponding,
        fair.licence,
        fair.versions,
        fair.venue
    from typed
)

select * from final
