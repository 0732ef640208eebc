"""Open a local page in a real headless Chromium and report what a person would see.

Tests of the report and of the SVG pictures must see the page as a browser lays it out (the
fonts it really uses, the boxes it really draws) and prove that the page works offline. So every
page is opened from its file in Debian's Chromium, driven by Playwright, and every request the
page makes is recorded and then refused: a test asserts ``rendered.requests == []``, and a page
that wants the network fails fast instead of hanging.

    rendered = render(tmp_path / "report.html")
    assert "accuracy" in rendered.text and rendered.requests == []

One browser and one tab serve the whole test session (starting them takes seconds; a page
takes a tenth of one). When Chromium is missing the test is
skipped with the command that installs it, but fails under CI (``CI`` set), where .ci/run
installs it and a skip would hide a missing install. tests/conftest.py offers the same rule as
the session fixture ``chromium`` and stops the browser when the session ends.
"""

from __future__ import annotations

import atexit
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

Box = tuple[float, float, float, float]  # x, y, width, height, as getBoundingClientRect gives them
Point = tuple[float, float]  # x, y in the same coordinates: the page's, scrolled to its top left

INSTALL_COMMAND = "apt-get update && apt-get install -y chromium"
# No network here: without these flags Chromium keeps trying to reach its vendor's services.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAUNCH_TIMEOUT_MS = 60_000
PAGE_TIMEOUT_MS = 30_000
VIEWPORT_HEIGHT = 900

# Runs in the page: what it shows, where each node ([data-node]) and its text were drawn, and
# where each edge (an SVG path with data-from and data-to) starts and ends.
# A page that is a bare SVG file has no body; its text content is what it shows then.
_LAYOUT_SCRIPT = """() => {
    const box = (r) => [r.x, r.y, r.width, r.height];
    const union = (rects) => {
        if (!rects.length) return null;
        const left = Math.min(...rects.map((r) => r.left));
        const top = Math.min(...rects.map((r) => r.top));
        const right = Math.max(...rects.map((r) => r.right));
        const bottom = Math.max(...rects.map((r) => r.bottom));
        return [left, top, right - left, bottom - top];
    };
    const boxes = {}, textBoxes = {}, rectBoxes = {};
    for (const el of document.querySelectorAll("[data-node]")) {
        const name = el.getAttribute("data-node");
        if (name in boxes) continue;
        boxes[name] = box(el.getBoundingClientRect());
        const texts = [...el.querySelectorAll("text")].map((t) => t.getBoundingClientRect());
        const text = union(texts);
        if (text) textBoxes[name] = text;
        const rect = el.querySelector("rect");
        if (rect) rectBoxes[name] = box(rect.getBoundingClientRect());
    }
    const edgeEnds = [];
    for (const path of document.querySelectorAll("path[data-from][data-to]")) {
        const length = path.getTotalLength(), m = path.getScreenCTM();
        const at = (l) => {
            const p = path.getPointAtLength(l);
            return [p.x * m.a + p.y * m.c + m.e, p.x * m.b + p.y * m.d + m.f];
        };
        const ends = [at(0), at(length)];
        edgeEnds.push([path.getAttribute("data-from"), path.getAttribute("data-to"), ends]);
    }
    const body = document.body;
    const text = body ? body.innerText : document.documentElement.textContent;
    return {text, boxes, textBoxes, rectBoxes, edgeEnds};
}"""


@dataclass
class Rendered:
    """One page as Chromium laid it out.

    ``boxes`` is each ``[data-node]`` element's box by node name (the first element with that
    name, in document order); ``text_boxes`` the union of that element's ``<text>`` boxes;
    ``rect_boxes`` its first ``<rect>``'s box, which is the box a node's text must fit in (the
    element's own box grows to hold text that overflows). ``edge_ends`` holds where each
    ``<path data-from=A data-to=B>`` starts and ends, keyed ``(A, B)``. ``requests`` lists every
    URL the page asked for other than itself (Chromium requests no inline ``data:`` URL); each
    was refused.
    """

    text: str
    requests: list[str]
    boxes: dict[str, Box]
    text_boxes: dict[str, Box]
    console_errors: list[str]
    rect_boxes: dict[str, Box] = field(default_factory=dict)
    edge_ends: dict[tuple[str, str], tuple[Point, Point]] = field(default_factory=dict)
    _shoot: Callable[[Path], None] | None = field(default=None, repr=False)

    def screenshot(self, path: Path | str) -> None:
        """A full-page PNG of the page, opened again at the same width (pages are static)."""
        if self._shoot is None:
            raise RuntimeError("this Rendered was not made by render(); it has no page to shoot")
        self._shoot(Path(path))


def chromium_path() -> str | None:
    """Debian's Chromium, or the one DAGWIRE_CHROMIUM names; None when there is none."""
    wanted = os.environ.get("DAGWIRE_CHROMIUM", "chromium")
    return shutil.which(wanted)


def require_chromium() -> str:
    """Chromium's path; a missing Chromium skips the test, or fails it under CI."""
    found = chromium_path()
    if found is not None:
        return found
    message = f"Chromium is not installed; install it with: {INSTALL_COMMAND}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (.ci/run installs it; under CI the browser tests must run)")
    pytest.skip(message)


class _Chromium:
    """One headless Chromium and one tab for the session, reused page after page.

    A new tab costs a new renderer process (about 0.3 s on a busy 2-core machine, twice what a
    static page takes to load), so pages share one; Playwright gives the launch a fresh profile.
    A page that breaks the tab (a timeout, a crash) gets it replaced before the next page.
    """

    def __init__(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self.browser = self._playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                args=CHROMIUM_FLAGS,
                timeout=LAUNCH_TIMEOUT_MS,
            )
        except BaseException:
            self._playwright.stop()
            raise
        self._tab: Any = None
        self.url, self.requests, self.errors = "", [], []

    def open(self, url: str, width: int) -> Any:
        """The tab showing ``url``, loaded; ``requests`` and ``errors`` start empty for it.

        The tab first goes blank, which ends the last page: what that page still had under way
        (a refused fetch logs its error late) is reported before, and so counts for that page.
        """
        tab = self._tab or self._new_tab()
        try:
            tab.goto("about:blank", timeout=PAGE_TIMEOUT_MS)
            self.url, self.requests, self.errors = url, [], []
            tab.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT})
            tab.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        except BaseException:
            self._drop_tab()
            raise
        return tab

    def _new_tab(self) -> Any:
        context = self.browser.new_context()
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        context.route("**/*", self._refuse_all_but_the_page)
        tab = context.new_page()
        tab.on("request", lambda request: self._record(request.url))
        tab.on("websocket", lambda socket: self._record(socket.url))
        tab.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        tab.on("pageerror", lambda error: self.errors.append(f"{error.name}: {error.message}"))
        self._tab = tab
        return tab

    def _refuse_all_but_the_page(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def _record(self, requested: str) -> None:
        if requested != self.url:
            self.requests.append(requested)

    def _drop_tab(self) -> None:
        tab, self._tab = self._tab, None
        if tab is not None:
            tab.context.close()

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self._playwright.stop()


_session: _Chromium | None = None


def _browser() -> _Chromium:
    """The session's Chromium, started on first use and stopped when the session ends."""
    global _session
    if _session is None:
        _session = _Chromium(require_chromium())
        atexit.register(close_browser)
    return _session


def close_browser() -> None:
    """Stop the session's Chromium, if one was started (tests/conftest.py calls it at the end)."""
    global _session
    if _session is not None:
        session, _session = _session, None
        session.close()


def render(path: Path, *, width: int = 1400) -> Rendered:
    """Open ``file://path`` in headless Chromium, ``width`` pixels wide, and read the layout."""
    url = Path(path).resolve().as_uri()
    chromium = _browser()
    found = chromium.open(url, width).evaluate(_LAYOUT_SCRIPT)

    def shoot(target: Path) -> None:
        chromium.open(url, width).screenshot(path=str(target), full_page=True)

    return Rendered(
        text=found["text"],
        requests=chromium.requests,
        boxes=_boxes(found["boxes"]),
        text_boxes=_boxes(found["textBoxes"]),
        console_errors=chromium.errors,
        rect_boxes=_boxes(found["rectBoxes"]),
        edge_ends=_edge_ends(found["edgeEnds"]),
        _shoot=shoot,
    )


def _boxes(found: dict[str, list[float]]) -> dict[str, Box]:
    return {name: (box[0], box[1], box[2], box[3]) for name, box in found.items()}


def _edge_ends(found: list[list[Any]]) -> dict[tuple[str, str], tuple[Point, Point]]:
    ends: dict[tuple[str, str], tuple[Point, Point]] = {}
    for source, target, ((x0, y0), (x1, y1)) in found:
        ends.setdefault((source, target), ((x0, y0), (x1, y1)))
    return ends
