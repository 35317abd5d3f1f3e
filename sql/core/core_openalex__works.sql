-- core_openalex__works: the works of the snapshot, one current copy each.
-- Grain: one row per work id.
-- A work can sit in several partitions (an update moves it to a newer one): the copy with the
-- greatest updated_date wins; ties go to the later partition, then the later file, then the later
-- line. Works listed as merged or deleted are dropped.
with

copies as (
    select *
    from raw_openalex__works
    where quarantine_reason is null
),

ranked as (
    select
        *,
        row_number() over (
            partition by work_id
            order by updated_date desc nulls last, partition desc, part desc, file_key desc, line_number desc
        ) as copy_rank
    from copies
),

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
        updated_date
    from ranked
    where copy_rank = 1
        and work_id not in (select work_id from core_openalex__merge_map)
        and work_id not in (select work_id from raw_openalex__deleted_ids where work_id is not null)
)

select * from final
