-- core_openalex__quarantine on a night: the bad lines of the new part files and the previous
-- build's rows.
-- Grain: one row per quarantined line. Inputs: core_openalex__new_quarantine, previous_openalex__quarantine.
with

final as (
    select * from core_openalex__new_quarantine
    union all
    select source_file, line_number, reason, line_head from previous_openalex__quarantine
    order by source_file, line_number
)

select * from final
