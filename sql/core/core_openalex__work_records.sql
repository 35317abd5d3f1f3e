-- core_openalex__work_records: the works of the snapshot, one current copy each, with the id lists
-- the citations and authorships are built from, what fair_v1 reads (`fair`) and what the units read
-- (`units`); core_openalex__works publishes them without, core_openalex__fair_signals and the
-- work_context / work_institutions / work_countries tables the latter two.
-- Grain: one row per work id.
-- The current copy of each work id (core_openalex__winners), without works listed as merged or
-- deleted. Inputs: core_openalex__winners, core_openalex__merge_map, raw_openalex__deleted_ids.
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
        len(referenced_ids) as n_referenced_ids,
        author_ids,
        is_oa,
        oa_status,
        is_retracted,
        updated_date,
        fair,
        units
    from core_openalex__winners
    where work_id not in (select work_id from core_openalex__merge_map)
        and work_id not in (select work_id from raw_openalex__deleted_ids where work_id is not null)
)

select * from final
