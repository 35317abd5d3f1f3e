-- sensitivity_datarank__summary: how far one setting's ranking is from the published one.
-- Grain: one row. Inputs: sensitivity_datarank__pairs. Parameters: $top_small, $top_large (100, 1000).
-- spearman: Pearson's correlation of the two average ranks (ties share the mean rank), from exact
-- integer sums of the doubled ranks: cov / sqrt(var_x · var_y), so equal rankings give exactly 1.
-- kendall_tau_b: (n_c − n_d) / sqrt((n0 − n1)(n0 − n2)), n0 = n(n − 1)/2, n1 / n2 the pairs tied in
-- the published / the setting's DataRank, n3 the pairs tied in both, n_c − n_d = n0 − n1 − n2 + n3 − 2·n_d.
-- n_d (discordant pairs) is counted exactly without comparing every pair (Knight's method): sort the
-- works by (x, y); a discordant pair is then an inversion of y. Each pair (i < j in that order) is
-- counted once, at the highest bit where positions i and j differ: at level b the positions split
-- into blocks of 2^(b+1) whose lower half holds i and upper half j; each upper-half work counts the
-- lower-half works of its block with a strictly greater y: a running count over the block sorted by
-- y descending, upper-half works first among equal y (so a tie in y is never counted).
-- ceil(log2 n) levels, each one sort of n rows: O(n log² n) work, no self-join.
-- top_small_overlap, top_large_overlap: the share of the published top N (by rank, ties by id) that
-- is also in the setting's top N (N = the smaller of the parameter and the works compared).
-- tier_changed: the share of works whose tier (S1…S5, unranked) differs.
with

pairs as (
    select *
    from sensitivity_datarank__pairs
),

ordered as (
    select
        y_key,
        row_number() over (order by x_key, y_key, work_number) - 1 as position
    from pairs
),

levels as (
    select level
    from range(0, 62) as bits (level)
    where level < (select ceil(log2(greatest(count(*), 2))) from pairs)
),

halves as (
    select
        ordered.y_key,
        levels.level,
        ordered.position >> (levels.level + 1) as block,
        case when ((ordered.position >> levels.level) & 1) = 0 then 1 else 0 end as in_lower
    from ordered
    cross join levels
),

above as (
    select
        in_lower,
        sum(in_lower) over (
            partition by level, block order by y_key desc, in_lower asc
            rows between unbounded preceding and current row
        ) as lower_above
    from halves
),

discordant as (
    select coalesce(sum(lower_above), 0) as n_d
    from above
    where in_lower = 0
),

x_ties as (
    select coalesce(sum(tied * (tied - 1) / 2), 0) as n1
    from (select count(*) as tied from pairs group by x_key)
),

y_ties as (
    select coalesce(sum(tied * (tied - 1) / 2), 0) as n2
    from (select count(*) as tied from pairs group by y_key)
),

both_ties as (
    select coalesce(sum(tied * (tied - 1) / 2), 0) as n3
    from (select count(*) as tied from pairs group by x_key, y_key)
),

totals as (
    select
        count(*) as works,
        count(*) * sum(cast(x_twice as hugeint) * y_twice) - sum(cast(x_twice as hugeint)) * sum(y_twice) as co_xy,
        count(*) * sum(cast(x_twice as hugeint) * x_twice) - sum(cast(x_twice as hugeint)) * sum(x_twice) as co_xx,
        count(*) * sum(cast(y_twice as hugeint) * y_twice) - sum(cast(y_twice as hugeint)) * sum(y_twice) as co_yy,
        count(*) filter (where rank_published <= $top_small and rank_setting <= $top_small) as top_small_both,
        count(*) filter (where rank_published <= $top_large and rank_setting <= $top_large) as top_large_both,
        count(*) filter (where tier_published is distinct from tier_setting) as tier_changes
    from pairs
),

final as (
    select
        totals.works,
        case
            when totals.co_xx > 0 and totals.co_yy > 0
                then cast(totals.co_xy as double) / sqrt(cast(totals.co_xx as double) * cast(totals.co_yy as double))
        end as spearman,
        case
            when (totals.works * (totals.works - 1) / 2 - x_ties.n1) * (totals.works * (totals.works - 1) / 2 - y_ties.n2) > 0
                then (
                    cast(totals.works * (totals.works - 1) / 2 - x_ties.n1 - y_ties.n2 + both_ties.n3 as double)
                    - 2.0 * discordant.n_d
                ) / sqrt(
                    cast(totals.works * (totals.works - 1) / 2 - x_ties.n1 as double)
                    * cast(totals.works * (totals.works - 1) / 2 - y_ties.n2 as double)
                )
        end as kendall_tau_b,
        discordant.n_d as discordant_pairs,
        totals.top_small_both / nullif(least($top_small, totals.works), 0) as top_small_overlap,
        totals.top_large_both / nullif(least($top_large, totals.works), 0) as top_large_overlap,
        totals.tier_changes,
        totals.tier_changes / nullif(totals.works, 0) as tier_changed
    from totals
    cross join discordant
    cross join x_ties
    cross join y_ties
    cross join both_ties
)

select * from final
