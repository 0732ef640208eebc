"""The browser harness (tests/browser.py) sees what a person sees, and every request a page makes.

The report and picture tests trust it to say a page works offline, so these pages are written
here: one self-contained, others that reach out or fail, and a Chromium that is not there.
"""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest
from browser import Rendered, render, require_chromium

SELF_CONTAINED = """<!doctype html>
<html><head><meta charset="utf-8"><title>run</title>
<style>body { margin: 0; font-family: sans-serif } #banner { width: 100% }</style></head>
<body><div id="banner" data-node="banner">Dataflow of run 42</div>
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120">
  <g class="node completed" data-node="raw_data">
    <rect x="10" y="10" width="160" height="44"/><text x="20" y="38">raw_data</text>
  </g>
  <g class="node failed" data-node="accuracy">
    <rect x="220" y="10" width="160" height="44"/><text x="230" y="38">accuracy</text>
  </g>
  <path class="edge" data-from="raw_data" data-to="accuracy" d="M170,32 L220,32"/>
</svg></body></html>
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def contains(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    ox, oy, ow, oh = outer
    ix, iy, iw, ih = inner
    return ox <= ix and oy <= iy and ix + iw <= ox + ow and iy + ih <= oy + oh


def test_a_self_contained_page_renders_its_words_and_layout_offline(
    chromium: str, tmp_path: Path
) -> None:
    rendered = render(write(tmp_path, "page.html", SELF_CONTAINED), width=900)
    assert "Dataflow of run 42" in rendered.text
    assert "raw_data" in rendered.text and "accuracy" in rendered.text
    assert rendered.requests == [] and rendered.console_errors == []
    assert set(rendered.boxes) == {"banner", "raw_data", "accuracy"}
    assert rendered.boxes["banner"][2] == 900  # the width asked for is the page's width
    # the SVG sits below the banner, so its boxes are where Chromium drew them, not raw attributes
    x, y, width, height = rendered.rect_boxes["raw_data"]
    assert (x, width, height) == (10, 160, 44) and y > rendered.boxes["banner"][3]
    for node in ("raw_data", "accuracy"):
        assert contains(rendered.rect_boxes[node], rendered.text_boxes[node])
    assert rendered.text_boxes["raw_data"][2] > 30  # measured in the font the browser used
    (x0, y0), (x1, y1) = rendered.edge_ends["raw_data", "accuracy"]
    assert (x0, x1) == (170, 220) and y0 == y1 == y + 22  # the path, where the page put it


def test_text_that_overflows_its_box_is_measured_where_it_was_drawn(
    chromium: str, tmp_path: Path
) -> None:
    long_name = "a_node_name_far_too_long_for_its_box"
    page = SELF_CONTAINED.replace(">raw_data</text>", f">{long_name}</text>")
    rendered = render(write(tmp_path, "overflow.html", page))
    assert not contains(rendered.rect_boxes["raw_data"], rendered.text_boxes["raw_data"])
    assert contains(rendered.boxes["raw_data"], rendered.text_boxes["raw_data"])


def test_every_request_a_page_makes_is_recorded_and_refused_without_hanging(
    chromium: str, tmp_path: Path
) -> None:
    page = SELF_CONTAINED.replace(
        "</body>",
        '<img src="https://cdn.example.com/logo.png"><script src="helper.js"></script>'
        '<link rel="stylesheet" href="http://127.0.0.1:9/style.css">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "<script>fetch('https://api.example.com/track').catch(() => {});</script></body>",
    )
    write(tmp_path, "helper.js", "document.body.append('helper ran');")
    started = time.perf_counter()
    rendered = render(write(tmp_path, "reaching.html", page))
    assert time.perf_counter() - started < 20  # a hang would wait out the 30 s page timeout
    assert sorted(rendered.requests) == sorted(
        [
            "https://cdn.example.com/logo.png",
            (tmp_path / "helper.js").as_uri(),  # a file beside the page is not part of it
            "http://127.0.0.1:9/style.css",
            "https://api.example.com/track",
        ]
    )
    assert "Dataflow of run 42" in rendered.text  # refused requests do not stop the page
    assert "helper ran" not in rendered.text


def test_console_errors_and_uncaught_exceptions_are_caught(chromium: str, tmp_path: Path) -> None:
    page = SELF_CONTAINED.replace(
        "</body>",
        "<script>console.error('preview failed'); console.log('fine');</script>"
        "<script>throw new TypeError('no such node');</script></body>",
    )
    rendered = render(write(tmp_path, "errors.html", page))
    assert rendered.console_errors[0] == "preview failed"
    assert any("TypeError: no such node" in error for error in rendered.console_errors)
    assert len(rendered.console_errors) == 2 and rendered.requests == []


def test_a_bare_svg_file_renders_and_pages_do_not_share_records(
    chromium: str, tmp_path: Path
) -> None:
    noisy = render(
        write(
            tmp_path,
            "noisy.html",
            "<img src='https://x.example.com/a.png'><p>noisy</p>"
            "<script>fetch('https://x.example.com/late').catch(() => {});"
            "addEventListener('pagehide', () => console.error('left the page'));</script>",
        )
    )
    svg = SELF_CONTAINED.split("<svg", 1)[1].split("</svg>", 1)[0]
    # a second element of the same name (a <g> drawn on top) does not move the node's box
    svg += '<g data-node="raw_data"><rect x="300" y="80" width="5" height="5"/></g>'
    rendered = render(write(tmp_path, "picture.svg", f"<svg{svg}</svg>"))
    assert "raw_data" in rendered.text and "accuracy" in rendered.text
    assert rendered.boxes["raw_data"][:2] == (10, 10)
    assert rendered.requests == [] and rendered.console_errors == []  # nothing from the last page
    assert sorted(noisy.requests) == ["https://x.example.com/a.png", "https://x.example.com/late"]


def test_a_screenshot_is_a_full_page_png_at_the_width_asked(chromium: str, tmp_path: Path) -> None:
    tall = SELF_CONTAINED.replace("</body>", '<div style="height: 2000px"></div></body>')
    rendered = render(write(tmp_path, "tall.html", tall), width=640)
    shot = tmp_path / "tall.png"
    rendered.screenshot(shot)
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width == 640 and height > 2000


def test_a_rendered_page_made_by_hand_has_no_screenshot() -> None:
    rendered = Rendered(text="", requests=[], boxes={}, text_boxes={}, console_errors=[])
    with pytest.raises(RuntimeError, match="not made by render"):
        rendered.screenshot("never.png")


def test_a_missing_chromium_skips_but_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGWIRE_CHROMIUM", "no-such-chromium-here")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(BaseException) as outcome:  # a skip here must fail this test, not skip it
        require_chromium()
    assert outcome.type is pytest.fail.Exception
    assert "under CI the browser tests must run" in str(outcome.value)
