-- core_openalex__quarantine: the bad lines of the snapshot's part files, with why (quarantine.parquet).
-- A full build reads every part file; a night adds the previous build's rows
-- (core_openalex__quarantine.incremental.sql).
-- Grain: one row per quarantined line. Inputs: core_openalex__new_quarantine.
with

final as (
    select * from core_openalex__new_quarantine
    order by source_file, line_number
)

select * from final
