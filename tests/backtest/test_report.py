"""The HTML report opens in a real headless browser (Debian's chromium) with no script
error, and its plotly charts draw. CI sets PYKIS_REQUIRE_BROWSER=1: there a missing
browser fails the test instead of skipping it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pykis.backtest import Backtest
from pykis.engine.strategy import MovingAverageCross

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _browser_or_skip() -> None:
    missing = None
    if not CHROMIUM.exists():
        missing = f"no browser at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed (the test extra)"
    if missing and os.environ.get("PYKIS_REQUIRE_BROWSER") == "1":
        pytest.fail(missing)
    if missing:
        pytest.skip(missing)


def test_the_report_loads_without_errors_and_its_charts_draw(minutes, tmp_path):
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    result = Backtest(MovingAverageCross(5, 20), minutes, ["005930", "000660"],
                      start="2024-06-10").run()
    page_file = Path(result.report(tmp_path / "report.html"))
    text = page_file.read_text(encoding="utf-8")
    assert "<script src=" not in text  # self-contained: nothing to fetch
    errors: list[str] = []
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(page_file.as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
            charts = page.locator(".js-plotly-plot").count()
            traces = page.locator(".js-plotly-plot .scatterlayer .trace").count()
            markers = page.locator(".js-plotly-plot .scatterlayer .trace .points path").count()
            figures = page.locator("table.figures tbody tr").count()
        finally:
            context.close()
    assert errors == []
    assert charts == 3  # equity and drawdown, then one price chart per symbol
    assert traces >= 3 + 2 and markers >= len(result.fills) > 0  # lines, then fills
    assert figures == len(result.metrics.as_dict())
