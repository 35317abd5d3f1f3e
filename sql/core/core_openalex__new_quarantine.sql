-- core_openalex__new_quarantine: the bad lines of the part files this build reads, with why.
-- Grain: one row per quarantined line. Inputs: raw_openalex__works.
with

final as (
    select
        file_key as source_file,
        line_number,
        quarantine_reason as reason,
        line_head
    from raw_openalex__works
    where quarantine_reason is not null
)

select * from final
