-- Check: ranks within publication_year × type and tiers that contradict the scores. A group rank
-- outside 1…group size, a group percentile outside [0, 100], 'unranked' anywhere but DataRank 0, a
-- tier worse than that of a work with a lower percentile, or two tiers for one percentile. Tiers
-- follow the percentile, which orders works by DataRank in fixed point (rank_key): two works whose
-- floating-point DataRanks are equal can be one unit apart there, and then rightly in two tiers.
with

scores as (
    select
        work_id,
        datarank,
        rank,
        percentile,
        year_type_rank,
        year_type_percentile,
        year_type_works,
        tier,
        case tier when 'S1' then 1 when 'S2' then 2 when 'S3' then 3 when 'S4' then 4 when 'S5' then 5 end
            as tier_number
    from out_datarank__scores
),

with_next as (
    select
        *,
        lead(tier_number) over (order by rank) as next_tier_number,
        lead(percentile) over (order by rank) as next_percentile
    from scores
),

final as (
    select work_id, datarank, rank, year_type_rank, year_type_works, year_type_percentile, tier
    from with_next
    where year_type_rank not between 1 and year_type_works
        or year_type_percentile not between 0 and 100
        or year_type_percentile is null
        or (tier = 'unranked') <> (datarank = 0)
        or (tier <> 'unranked' and tier_number is null)
        or (next_percentile < percentile and next_tier_number < tier_number)
        or (next_percentile = percentile and next_tier_number <> tier_number)
)

select * from final
