-- openalex_abstract(index): the abstract as text, rebuilt from abstract_inverted_index read as
-- MAP(VARCHAR, INTEGER[]) (word → the positions it stands at): every (position, word) pair in
-- position order, joined by single spaces. NULL when there is no index or it holds no position.
create or replace macro openalex_abstract(index) as
    nullif(
        array_to_string(
            list_transform(
                list_sort(flatten(list_transform(
                    map_entries(index),
                    lambda entry: list_transform(
                        list_filter(entry.value, lambda position: position is not null),
                        lambda position: {'position': position, 'word': entry.key}
                    )
                ))),
                lambda pair: pair.word
            ),
            ' '
        ),
        ''
    )
