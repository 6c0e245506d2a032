"""Screenshots of the built site at 1280 and 390 px, for docs/screenshots/ (see the README).

Run from the repository after building the sample (`.venv/bin/python build.py`):
    .venv/bin/python docs/screenshots/take.py [--full] [--out DIR] [NAME ...]
It serves site/ on 127.0.0.1 and uses Debian's Chromium through Playwright.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from archive.site.serve import SiteHandler, make_server  # noqa: E402

SiteHandler.log_message = lambda *args: None  # one line per request would bury the file names

# name -> address below the site root (the 404 is asked for below the root, as a visitor would meet it).
PAGES = {
    "home": "index.html",
    "year": "years/2024.html",
    "department": "departments/fagaiwei.html",
    "minutes": "2024/2024-04-24-executive-meeting-73.html",
    "task-notice": "2020/2020-02-26-key-work-goals.html#task-10",
    "report-2024": "2024/2024-01-16-government-work-report.html",
    "search": "search.html?q=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83&type=%E7%BA%AA%E8%A6%81",
    "404": "2024/no-such-page.html",
}
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"pages to take (default all): {', '.join(PAGES)}")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--full", action="store_true", help="the whole page, not only the first screen")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    server = make_server(REPO / "site", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path="/usr/bin/chromium", args=ARGS, headless=True, locale="zh-CN")
        page = browser.new_page()
        for name in args.names or PAGES:
            for kind, (width, height) in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": height})
                page.goto(base + PAGES[name])
                page.wait_for_load_state("networkidle")
                target = args.out / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=args.full)
                print(target)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
