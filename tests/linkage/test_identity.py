import duckdb

from warehouse.linkage import identity


def test_ids_go_largest_overlap_first_and_new_clusters_take_new_numbers_in_order(tmp_path):
    """Clusters that compete for one previous id, one that overlaps none, a merge and a split,
    beside a cluster nothing competes with."""
    (tmp_path / identity.IDS_FILE).write_text("person_record_key,resident_id\na,1\nb,1\nc,2\nd,3\ne,3\ng,7\nh,5\ni,6\n")
    clusters = {"a": "X", "b": "Y", "c": "Z", "d": "Z", "e": "W", "f": "V", "g": "U", "h": "T", "i": "T"}
    with duckdb.connect() as con:
        con.execute("create table clusters (unique_id varchar, cluster varchar)")
        con.executemany("insert into clusters values (?, ?)", list(clusters.items()))
        counts = identity.assign_resident_ids(con, tmp_path, "clusters")
        ids = dict(con.execute("select * from _resident_ids").fetchall())
        changes = con.execute(
            "select change, previous_resident_id, resident_id, records from linkage.resident_id_changes order by all"
        ).fetchall()
    # X and Y tie for 1 and X comes first; Z overlaps 2 and 3 equally and takes the smaller; W
    # keeps 3; T takes 5 and 6 is merged into it; V and then Y take the next numbers.
    assert ids == {"a": 1, "b": 9, "c": 2, "d": 2, "e": 3, "f": 8, "g": 7, "h": 5, "i": 5}
    assert counts == {"new": 2, "merge": 1, "split": 2}
    assert changes == [("merge", 6, 5, 1), ("split", 1, 9, 1), ("split", 3, 2, 1)]
