-- raw_openalex__deleted_ids: works OpenAlex deleted (data/jsonl/works/deleted_ids.csv, June 2026 on).
-- Grain: one row per line. Parameters: $paths — the CSV files. Ids are full urls there.
with

deleted as (
    select
        openalex_work_id(work_id) as work_id,
        try_cast(deleted_date as date) as deleted_date
    from read_csv(
        $paths,
        columns = {'work_id': 'VARCHAR', 'deleted_date': 'VARCHAR'},
        header = true,
        auto_detect = false
    )
),

final as (
    select * from deleted
)

select * from final
