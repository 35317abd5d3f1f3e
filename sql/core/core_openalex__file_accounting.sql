-- core_openalex__file_accounting: where every line of every part file went.
-- Grain: one row per part file of the manifest that has at least one line.
--   lines_read = works_kept + duplicates_superseded + merged_or_deleted_dropped + quarantined
--   works_kept: lines that are the current copy of a work in core_openalex__works;
--   duplicates_superseded: good lines whose work has a newer copy (here or in another file);
--   merged_or_deleted_dropped: current copies of works listed as merged or deleted;
--   quarantined: bad lines (raw quarantine_reason).
-- The copy order is core_openalex__works's (keep the two in step).
-- Parameters: none; reads raw_openalex__works, core_openalex__merge_map, raw_openalex__deleted_ids.
with

copies as (
    select
        file_key,
        work_id,
        row_number() over (
            partition by work_id
            order by updated_date desc nulls last, partition desc, part desc, file_key desc, line_number desc
        ) as copy_rank
    from raw_openalex__works
    where quarantine_reason is null
),

dropped_ids as (
    select work_id from core_openalex__merge_map
    union
    select work_id from raw_openalex__deleted_ids where work_id is not null
),

good_lines as (
    select
        copies.file_key,
        count(*) filter (where copies.copy_rank > 1) as duplicates_superseded,
        count(*) filter (where copies.copy_rank = 1 and dropped_ids.work_id is not null) as merged_or_deleted_dropped,
        count(*) filter (where copies.copy_rank = 1 and dropped_ids.work_id is null) as works_kept
    from copies
    left join dropped_ids on dropped_ids.work_id = copies.work_id and copies.copy_rank = 1
    group by copies.file_key
),

all_lines as (
    select
        file_key,
        count(*) as lines_read,
        count(quarantine_reason) as quarantined
    from raw_openalex__works
    group by file_key
),

final as (
    select
        all_lines.file_key,
        all_lines.lines_read,
        coalesce(good_lines.works_kept, 0) as works_kept,
        coalesce(good_lines.duplicates_superseded, 0) as duplicates_superseded,
        coalesce(good_lines.merged_or_deleted_dropped, 0) as merged_or_deleted_dropped,
        all_lines.quarantined
    from all_lines
    left join good_lines on good_lines.file_key = all_lines.file_key
    order by all_lines.file_key
)

select * from final
