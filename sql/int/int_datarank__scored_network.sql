-- int_datarank__scored_network: the network figures of the works this run scores, from their citers
-- in the snapshot (int_datarank__scored_citations) and their considered citers
-- (int_datarank__considered_citers).
-- Grain: one row per scored work with at least one citer in the snapshot.
--   network_score  N(p) = Σ citer_signal over considered, non-self citers (floating point)
--   network_fixed  the same sum in fixed point (units of 2^-32, an exact integer sum): the rank
--                  order uses it, so that it does not depend on the order an engine adds in
-- int_datarank__network adds, on a night, the carried figures of the works not scored again.
with

citers_in_snapshot as (
    select
        cited_id,
        count(*) as citers_in_snapshot
    from int_datarank__scored_citations
    group by cited_id
),

considered as (
    select
        cited_id,
        count(*) as citers_considered,
        count(*) filter (where is_self_citation) as self_citations_excluded,
        count(*) filter (where not is_self_citation and citer_cited_by_count > 0) as citers_with_signal,
        coalesce(sum(citer_signal) filter (where not is_self_citation), 0.0) as network_score,
        coalesce(
            sum(cast(floor(citer_signal * 4294967296.0) as bigint)) filter (where not is_self_citation), 0
        ) as network_fixed
    from int_datarank__considered_citers
    group by cited_id
),

final as (
    select
        citers_in_snapshot.cited_id,
        citers_in_snapshot.citers_in_snapshot,
        coalesce(considered.citers_considered, 0) as citers_considered,
        coalesce(considered.self_citations_excluded, 0) as self_citations_excluded,
        coalesce(considered.citers_with_signal, 0) as citers_with_signal,
        coalesce(considered.network_score, 0.0) as network_score,
        coalesce(considered.network_fixed, 0) as network_fixed
    from citers_in_snapshot
    left join considered
        on considered.cited_id = citers_in_snapshot.cited_id
)

select * from final
