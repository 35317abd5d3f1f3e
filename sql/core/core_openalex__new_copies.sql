-- core_openalex__new_copies: the good lines this build reads, as copies of works.
-- Grain: one row per good (not quarantined) line of raw_openalex__works: every part file of the
-- manifest on a full build, only the new part files on an incremental one. `fair` (what fair_v1
-- reads, a struct of small values) and `units` (what the units tables read) go with the
-- copy; the abstract does not (it is read from the
-- raw files by core_openalex__abstracts, so the copies stay narrow).
with

final as (
    select
        work_id,
        doi,
        title,
        publication_year,
        type,
        cited_by_count,
        referenced_works_count,
        referenced_ids,
        author_ids,
        is_oa,
        oa_status,
        is_retracted,
        updated_date,
        fair,
        units,
        partition,
        part,
        file_key,
        line_number
    from raw_openalex__works
    where quarantine_reason is null
)

select * from final
