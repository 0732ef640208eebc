"""@schema.output agrees with Apache Hamilton: the same schema tag on the same nodes."""

from compat_support import assert_same, assert_same_graph, assert_same_tags, run_both


def test_schema_tags_match():
    ham, dag, drivers = run_both("schema_outputs", ["example_schema", "split", "a", "no_schema"])
    assert_same(ham, dag)
    assert_same_graph(drivers)
    assert_same_tags(drivers)
    tags = {v.name: v.tags for v in drivers["dagwire"].list_available_variables()}
    assert tags["example_schema"]["hamilton.internal.schema_output"] == "a=int,b=float,c=str"
    assert tags["split"]["hamilton.internal.schema_output"] == "a=int,b=float"
    assert "hamilton.internal.schema_output" not in tags["a"]
