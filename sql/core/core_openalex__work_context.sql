-- core_openalex__work_context: each work's place in OpenAlex's topic hierarchy, its primary source and
-- OpenAlex's own citation indicators (work_context.parquet), what the field-normalised standing and the
-- units tables read. Values come from the reader's `units` struct (sql/macros/openalex_units.sql):
-- missing or wrong-typed values are NULL (a work without a primary topic has no topic, subfield, field
-- or domain).
-- Grain: one row per work (core_openalex__work_records). Inputs: core_openalex__work_records.
--   topic_id … domain_name      primary_topic (ids as numbers: T10102 → 10102, fields/18 → 18)
--   source_id … source_issn_l   primary_location.source (S1983995261 → 1983995261)
--   openalex_fwci               fwci, as OpenAlex publishes it
--   openalex_normalized_percentile, openalex_top_1_percent, openalex_top_10_percent
--                               citation_normalized_percentile (value on OpenAlex's 0–1 scale)
--   n_authorships               every element of authorships[], with or without an institution
--   is_retracted, paratext      what the units' core corpus leaves out (paratext: is_paratext true,
--                               or type paratext, as fair_v1's gate)
with

final as (
    select
        work_id,
        units.topic_id,
        units.topic_name,
        units.subfield_id,
        units.subfield_name,
        units.field_id,
        units.field_name,
        units.domain_id,
        units.domain_name,
        units.source_id,
        units.source_name,
        units.source_type,
        units.source_issn_l,
        units.fwci as openalex_fwci,
        units.normalized_percentile as openalex_normalized_percentile,
        units.top_1_percent as openalex_top_1_percent,
        units.top_10_percent as openalex_top_10_percent,
        units.n_authorships,
        coalesce(is_retracted, false) as is_retracted,
        coalesce(fair.is_paratext, false) or coalesce(lower(clean_text(type)) = 'paratext', false) as paratext
    from core_openalex__work_records
)

select * from final
