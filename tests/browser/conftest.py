"""One JupyterLab server and one headless Chromium for the whole browser suite.

Skips (with the reason) when Playwright or Chromium is missing, unless ``CI`` or
``GOMEM_REQUIRE_BROWSER`` is set: then a missing browser is a failure, so CI cannot go
green by skipping.  Screenshots go to ``out/screenshots/`` (``/out/`` is gitignored), or to
``$GOMEM_SCREENSHOTS``.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from pathlib import Path

import pytest

from jlab import CHROMIUM_ARGS, Lab, LabServer, find_chromium

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "course"


def _missing(reason: str):
    if os.environ.get("CI") or os.environ.get("GOMEM_REQUIRE_BROWSER"):
        pytest.fail(f"browser tests required here (CI / GOMEM_REQUIRE_BROWSER set), but {reason}",
                    pytrace=False)
    pytest.skip(f"browser tests: {reason}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("playwright is not installed; pip install -e '.[test]'")
    exe = find_chromium()
    if exe is None and os.environ.get("GOMEM_CHROMIUM"):
        _missing(f"GOMEM_CHROMIUM={os.environ['GOMEM_CHROMIUM']} is not an executable")
    if exe is None:
        _missing("no Chromium at /usr/lib/chromium/chromium or /usr/bin/chromium; "
                 "apt-get install chromium (or set GOMEM_CHROMIUM)")
    return exe


def _warn_without_cjk_font() -> None:
    """The lessons use Chinese terms; without a CJK font Chromium draws them as boxes."""
    try:
        fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True,
                               text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return
    if not fonts:
        warnings.warn("browser tests: no CJK font (fc-list :lang=zh is empty): the lessons' "
                      "Chinese terms show as boxes in the screenshots; apt-get install "
                      "fonts-noto-cjk", stacklevel=1)


@pytest.fixture(scope="session")
def lab_server(chromium_path, tmp_path_factory):
    import matplotlib.font_manager  # noqa: F401 - a fresh machine builds the font cache here,
    #                                  not as stderr output of the first lesson's kernel
    _warn_without_cjk_font()
    server = LabServer(COURSE, tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def lab(browser, lab_server):
    app = Lab(browser, lab_server)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    d = Path(os.environ.get("GOMEM_SCREENSHOTS", REPO / "out" / "screenshots"))
    d.mkdir(parents=True, exist_ok=True)
    return d
