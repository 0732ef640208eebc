"""@tag agrees with Apache Hamilton: which nodes get tags, and what tag_filter finds."""

import pandas as pd
import pytest
from compat_support import run_both

CUSTOMERS = pd.DataFrame(
    {"age": [30, None, 50], "spend": [1.0, 2.0, 3.0], "height": [1, 2, 3], "weight": [4, 5, 6]}
)
#: The module tag names each engine's copy of the module, so it differs by construction.
ENGINE_TAGS = {"module"}


def user_tags(dr):
    return {
        v.name: {k: t for k, t in v.tags.items() if k not in ENGINE_TAGS}
        for v in dr.list_available_variables()
        if not v.is_external_input
    }


@pytest.fixture(scope="module")
def drivers():
    return run_both("tagged", ["customer_count"], inputs={"customers": CUSTOMERS})[2]


def test_tags_land_on_the_same_nodes(drivers):
    assert user_tags(drivers["dagwire"]) == user_tags(drivers["hamilton"])


@pytest.mark.parametrize(
    "query",
    [
        {"owner": "data-science"},
        {"owner": ["data-science", "data-engineering"]},
        {"stage": "silver"},
        {"source": None},
        {"level": "column", "everything": "yes"},
        {"kind": "primary"},
        {"owner": "nobody"},
        {"cache.behavior": "recompute"},
    ],
)
def test_tag_filter_finds_the_same_nodes(drivers, query):
    found = {
        engine: sorted(v.name for v in dr.list_available_variables(tag_filter=query))
        for engine, dr in drivers.items()
    }
    assert found["dagwire"] == found["hamilton"]
