-- core_openalex__deleted_ids: the work ids the snapshot lists as deleted, kept in the core
-- (deleted_ids.parquet) so that the next ingest can tell which deletions are new.
-- Grain: one row per deleted work id. Inputs: raw_openalex__deleted_ids.
with

final as (
    select distinct work_id
    from raw_openalex__deleted_ids
    where work_id is not null
    order by work_id
)

select * from final
