-- core_openalex__file_accounting: where every line of every part file went.
-- Grain: one row per part file of the manifest.
--   lines_read = works_kept + duplicates_superseded + merged_or_deleted_dropped + quarantined
--   works_kept: lines that are the current copy of a work in core_openalex__work_records;
--   merged_or_deleted_dropped: current copies of works listed as merged or deleted;
--   duplicates_superseded: good lines whose work has a newer copy (here or in another file): every
--     good line that is not its work's current copy;
--   quarantined: bad lines.
-- Inputs: raw_openalex__file_lines (file_key, lines_read, quarantined: each file's counts, as read),
--   core_openalex__winners, core_openalex__work_records. No parameters.
with

winners_by_file as (
    select
        winners.file_key,
        count(*) as winners,
        count(works.work_id) as works_kept
    from core_openalex__winners as winners
    left join core_openalex__work_records as works
        on works.work_id = winners.work_id
    group by winners.file_key
),

final as (
    select
        files.file_key,
        files.lines_read,
        coalesce(winners_by_file.works_kept, 0) as works_kept,
        files.lines_read - files.quarantined - coalesce(winners_by_file.winners, 0) as duplicates_superseded,
        coalesce(winners_by_file.winners - winners_by_file.works_kept, 0) as merged_or_deleted_dropped,
        files.quarantined
    from raw_openalex__file_lines as files
    left join winners_by_file
        on winners_by_file.file_key = files.file_key
    order by files.file_key
)

select * from final
