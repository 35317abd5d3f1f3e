-- int_datarank__unit_works: the works that count for institutions, sources, countries and fields
-- (the core corpus, docs/units.md), each with what the units' figures are made of.
-- Grain: one row per work of out_datarank__scores in the core corpus.
--   core corpus  every work, less paratext (work_context.paratext: is_paratext or type paratext)
--                unless $core_paratext = 1, less retracted works unless $core_retracted = 1, and
--                only the types listed in $core_types (',article,review,': lower-case, comma on
--                each side; '' = every type). A null flag does not exclude.
--   is_top10     1 when the work is in the top 10% of its publication_year × type: DataRank > 0
--                and scores.year_type_percentile >= 90, compared on exact counts: with lower the
--                works of its group with a strictly lower DataRank (year_type_percentile =
--                100 × lower / (n − 1), recovered as an integer) and n the group's size,
--                10 × lower >= 9 × (n − 1). Tied works share one percentile, as in scores; a
--                group of one is at 100.
--   is_top1      the same for the top 1%: 100 × lower >= 99 × (n − 1)
--   rank_key     out_datarank__scores's rank_key (keep the two in step, as researchers does):
--                DataRank in fixed point, so units' orders tie the same way in every engine
--   source_*, field_*  the work's primary_location.source and primary_topic.field
-- Parameters: $damping, $core_paratext, $core_retracted, $core_types.
with

scores as (
    select
        work_number as work_id,
        datarank,
        rank,
        base_contribution,
        year_type_percentile,
        year_type_works,
        type
    from out_datarank__scores
),

network as (
    select cited_id, network_fixed
    from int_datarank__network
),

context as (
    select
        work_id,
        paratext,
        is_retracted,
        source_id,
        source_name,
        field_id,
        field_name
    from core_openalex__work_context
),

joined as (
    select
        scores.work_id,
        scores.datarank,
        scores.rank,
        cast(floor(scores.base_contribution * 4294967296.0) as bigint)
            + cast(floor($damping * coalesce(network.network_fixed, 0)) as bigint) as rank_key,
        cast(round(scores.year_type_percentile * (scores.year_type_works - 1) / 100.0) as bigint) as works_lower,
        scores.year_type_works,
        scores.type,
        coalesce(context.paratext, false) as paratext,
        coalesce(context.is_retracted, false) as is_retracted,
        context.source_id,
        context.source_name,
        context.field_id,
        context.field_name
    from scores
    left join network
        on network.cited_id = scores.work_id
    left join context
        on context.work_id = scores.work_id
),

corpus as (
    select *
    from joined
    where
        ($core_paratext = 1 or not paratext)
        and ($core_retracted = 1 or not is_retracted)
        and ($core_types = '' or strpos($core_types, ',' || lower(trim(type)) || ',') > 0)
),

final as (
    select
        work_id,
        datarank,
        rank,
        rank_key,
        case when datarank > 0 and 10 * works_lower >= 9 * (year_type_works - 1) then 1 else 0 end as is_top10,
        case when datarank > 0 and 100 * works_lower >= 99 * (year_type_works - 1) then 1 else 0 end as is_top1,
        source_id,
        source_name,
        field_id,
        field_name
    from corpus
)

select * from final
