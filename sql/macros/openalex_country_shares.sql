-- openalex_country_shares(lists, n_authorships): one flat list of the countries a record's authorships
-- name, from `lists` (per authorship, in order, its distinct country codes). Each element gets its
-- authorship's 1-based position and the work's fractional share, 1 / (n_authorships × the
-- authorship's countries).
create or replace macro openalex_country_shares(lists, n_authorships) as
    flatten(list_transform(
        list_zip(lists, generate_series(1, len(lists))),
        lambda authorship: list_transform(
            authorship[1],
            lambda c: {
                'authorship': authorship[2]::integer, 'country_code': c, 'weight': 1.0 / (n_authorships * len(authorship[1]))
            }
        )
    ))
