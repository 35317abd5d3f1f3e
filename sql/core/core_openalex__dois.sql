-- core_openalex__dois: the DOI lookup table (dois.parquet): every work's DOI in the form lookups
-- compare (doi_key: lower case, no https://doi.org/), written sorted by it (Model.order_by), so a
-- lookup by DOI reads only the row groups whose min/max statistics can hold it.
-- Grain: one row per (doi, work_id): a DOI two works share has two rows, a work without a DOI none.
-- Inputs: core_openalex__works. No parameters.
with

works as (
    select
        work_id,
        doi_key(doi) as doi
    from core_openalex__works
),

final as (
    select
        doi,
        work_id
    from works
    where doi is not null
)

select * from final
