-- core_openalex__quarantine: the bad lines of the snapshot's part files, with why.
-- Grain: one row per quarantined line.
-- Inputs: raw_openalex__works (the lines this build reads) and core_openalex__carried_quarantine
--   (the previous build's rows, on an incremental build; empty on a full one).
with

read_now as (
    select
        file_key as source_file,
        line_number,
        quarantine_reason as reason,
        line_head
    from raw_openalex__works
    where quarantine_reason is not null
),

final as (
    select * from read_now
    union all
    select source_file, line_number, reason, line_head from core_openalex__carried_quarantine
    order by source_file, line_number
)

select * from final
