-- core_openalex__contenders: the copies that compete to be each work id's current copy. A full build
-- reads every part file, so these are all its good lines (core_openalex__new_copies); a night adds
-- the current copies of the ids it read again (core_openalex__contenders.incremental.sql).
-- Grain: one row per copy. Inputs: core_openalex__new_copies.
with

final as (
    select * from core_openalex__new_copies
)

select * from final
