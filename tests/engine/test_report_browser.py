"""The report as a person sees it: a good and a failed run's pages opened in headless Chromium
(tests/browser.py), offline, with what they must show on screen."""

import pytest
from browser import render
from dagwire.runtime.artifacts import ArtifactStore
from dagwire.runtime.report import write_report
from dagwire.runtime.runs import run_pipeline
from test_report import FAIL, make_pipeline

NODES = ("raw", "X_train", "X_test", "model", "accuracy", "metrics")


@pytest.fixture
def reports(tmp_path, chromium):
    """A good run, then a failed one, of the same pipeline; their reports' paths."""
    store = ArtifactStore(tmp_path / "artifacts")
    FAIL.clear()
    run_pipeline(make_pipeline(), run_id="good", store=store)
    FAIL["model"] = ValueError("the model diverged on <fold 3>")
    with pytest.raises(ValueError):
        run_pipeline(make_pipeline(), run_id="bad", store=store, config={"scale": 0.5})
    FAIL.clear()
    return write_report(store, "good"), write_report(store, "bad")


def overlapping(boxes):
    named = sorted(boxes.items())
    return [
        (a, b)
        for i, (a, (ax, ay, aw, ah)) in enumerate(named)
        for b, (bx, by, bw, bh) in named[i + 1 :]
        if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
    ]


def test_a_good_run_shows_every_node_and_the_metrics_offline(reports):
    page = render(reports[0])
    assert page.requests == [] and page.console_errors == []
    assert "demo · run good" in page.text and "completed" in page.text
    assert set(NODES) <= set(page.boxes)  # each drawn in the dataflow
    assert overlapping({n: page.rect_boxes[n] for n in NODES}) == []
    # seen whole at a glance: the picture shrinks to the page instead of scrolling out of it
    narrow = render(reports[0], width=700)
    assert max(x + w for x, _, w, _ in narrow.rect_boxes.values()) <= 700
    for node in NODES:
        assert page.text.count(node) >= 2  # in the picture and in the table of nodes
    assert "metrics.accuracy = 0.2" in page.text and "metrics.rows = 5" in page.text
    assert "accuracy_range_validator\tpassed" in page.text


def test_a_failed_run_shows_the_failing_node_its_error_and_how_to_resume(reports):
    page = render(reports[1])
    assert page.requests == [] and page.console_errors == []
    assert "What failed" in page.text
    assert "Node model (task train)" in page.text
    assert "ValueError: the model diverged on <fold 3>" in page.text
    assert "python -m demo_pkg run --run-id bad --set scale=0.5" in page.text
    assert "metrics.accuracy = not computed in this run" in page.text  # the good run's stays
    assert set(NODES) <= set(page.boxes)
