-- core_openalex__winners: the current copy of every work id, with its id lists, kept in the core
-- (winners.parquet) as the base the next night starts from. On a full build these are the winning
-- copies; a night writes only what changed since the base (core_openalex__winners_changed) and
-- datarank.ingest.core makes this table the base less the changed ids plus their new copies.
-- Grain: one row per work id. Inputs: core_openalex__winning_copies.
with

final as (
    select * from core_openalex__winning_copies
)

select * from final
