-- raw_openalex__merged_ids: OpenAlex's merged-work lists (data/merged_ids/works/*.csv.gz).
-- Grain: one row per line of those files. Parameters: $paths — the CSV files.
-- Ids are short (`W123`) in these files; unparseable ids become NULL and are counted, not used.
with

merged as (
    select
        try_cast(merge_date as date) as merge_date,
        openalex_work_id(id) as work_id,
        openalex_work_id(merge_into_id) as merge_into_id
    from read_csv(
        $paths,
        columns = {'merge_date': 'VARCHAR', 'id': 'VARCHAR', 'merge_into_id': 'VARCHAR'},
        header = true,
        auto_detect = false
    )
),

final as (
    select * from merged
)

select * from final
