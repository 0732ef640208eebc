"""The small wording rules every message shares (one home each, so they cannot drift)."""

import pytest
from dagwire.io.urls import is_url, local_path
from dagwire.messages import did_you_mean, format_duration, short_repr


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0000042, "4.2 µs"),
        (0.000004, "4 µs"),
        (0.0012, "1.2 ms"),
        (0.25, "250 ms"),
        (3.4567, "3.46 s"),
    ],
)
def test_durations_take_the_unit_that_fits(seconds, text):
    assert format_duration(seconds) == text


def test_short_reprs_fit_one_line_of_the_given_width():
    assert short_repr([1, 2]) == "[1, 2]"
    text = short_repr("x" * 100, 20)
    assert len(text) == 20 and text.endswith("...")
    assert "\n" not in short_repr(type("R", (), {"__repr__": lambda self: "a\nb"})())


def test_did_you_mean_names_close_known_names_or_nothing():
    assert did_you_mean("revnue", ["revenue", "cost"]) == " Did you mean 'revenue'?"
    assert did_you_mean("zzz", ["revenue"]) == ""


@pytest.mark.parametrize(
    ("target", "url", "local"),
    [
        ("data/x.csv", False, "data/x.csv"),
        ("file:///tmp/x", True, "/tmp/x"),
        ("s3://b/k", True, None),
    ],
)
def test_one_rule_tells_urls_from_local_paths(target, url, local):
    assert is_url(target) is url
    assert local_path(target) == local
