"""Shared fixtures: the fixture site built once per session, a local http server, and Chromium."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from archive.config import load_config
from archive.site.serve import make_server

REPO = Path(__file__).resolve().parent.parent
SITE_FIXTURE = REPO / "tests" / "fixtures" / "site"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Small pages so that the eight fixture documents still produce paginated indexes.
FIXTURE_PAGE_SIZE = 3


def site_config(tmp: Path, **overrides):
    """The repository's templates, static files and data tables (a build's caches go beside its output)."""
    values = {"build.page_size": FIXTURE_PAGE_SIZE, **overrides}
    return load_config(None, root=REPO).with_overrides(**values)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The fixture content root built once: (output folder, BuildReport)."""
    from archive.pipeline import build
    tmp = tmp_path_factory.mktemp("built")
    out = tmp / "site"
    report = build(site_config(tmp), content_dir=SITE_FIXTURE / "content", out_dir=out, progress=False)
    return out, report


@pytest.fixture
def content_copy(tmp_path):
    """A writable copy of the fixture content root."""
    target = tmp_path / "content"
    shutil.copytree(SITE_FIXTURE / "content", target)
    return target


@pytest.fixture(scope="session")
def site_server(built_site):
    """The built fixture site over http on 127.0.0.1 (a free port); yields the base URL."""
    out, _ = built_site
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A headless Chromium (the system one; Playwright never downloads a browser here)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed; browser tests need Debian's chromium package")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
