-- core_openalex__vanished_works: works that were in a part file the last ingest read, whose file has
-- since left the manifest, and that are nowhere in the snapshot now: in no current file, not merged,
-- not deleted. OpenAlex moves a work to a newer partition when it updates it, so a vanished file's
-- works normally reappear elsewhere; those that do not were dropped by the release without a merge
-- or deletion record (or the manifest was read before the release finished). They are reported, and
-- left out like any work not in the snapshot, so the result still equals a fresh full run.
-- Grain: one row per work id.
-- Inputs: raw_openalex__vanished_works (raw rows of the vanished files, with file_key),
--   raw_openalex__works, core_openalex__merge_map, raw_openalex__deleted_ids. No parameters.
with

vanished as (
    select
        work_id,
        file_key
    from raw_openalex__vanished_works
    where quarantine_reason is null
),

in_snapshot as (
    select work_id from raw_openalex__works where quarantine_reason is null
    union
    select work_id from core_openalex__merge_map
    union
    select work_id from raw_openalex__deleted_ids where work_id is not null
),

final as (
    select
        vanished.work_id,
        max(vanished.file_key) as source_file
    from vanished
    anti join in_snapshot on in_snapshot.work_id = vanished.work_id
    group by vanished.work_id
)

select * from final
