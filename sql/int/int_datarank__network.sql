-- int_datarank__network: every cited work's network figures (int_datarank__scored_network's
-- columns). A full run scores every work, so these are the figures just computed; a night adds
-- the carried ones (int_datarank__network.incremental.sql).
-- Kept in each published version (network.parquet, not a published table) for the next night.
-- Grain: one row per work with at least one citer in the snapshot.
-- Inputs: int_datarank__scored_network.
with

final as (
    select * from int_datarank__scored_network
)

select * from final
