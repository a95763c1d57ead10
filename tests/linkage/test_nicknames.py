import duckdb

from warehouse.linkage.nicknames import are_nicknames, create_alias_table, nickname_groups


def test_the_alias_table_lists_every_name_a_group_pairs_with_sorted():
    con = duckdb.connect()
    create_alias_table(con, "aliases")
    rows = dict(con.execute("select name, aliases from aliases").fetchall())

    expected: dict[str, set[str]] = {}
    for group in nickname_groups():
        for name in group:
            expected.setdefault(name, set()).update(n for n in group if n != name)
    assert rows == {name: sorted(others) for name, others in expected.items()}
    assert "bob" in rows["robert"] and "kasia" in rows["katarzyna"]
    assert all(are_nicknames(name, alias) for name, aliases in rows.items() for alias in aliases)
