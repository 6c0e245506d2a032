"""`build.py serve` as an editor uses it: the preview rebuilds when a content file, a source or
site.yaml changes, says what it rebuilt, and the page open in Chromium reloads by itself; the
reload script is added by the dev server only, never written into the site."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import urllib.request

import pytest

from project import REPO, command

DOCUMENT = "2024/2024-04-24-executive-meeting-73.html"
# Reloads come after a rebuild of the sample, a few seconds on a busy machine; this only bounds a hang.
RELOADED = 120_000


@pytest.fixture
def preview(tmp_path):
    """A copy of the sample project served by `build.py serve --port 0`: (root folder, base URL, output lines)."""
    for name in ("sources", "content", "templates", "static", "data"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / "site.yaml", tmp_path / "site.yaml")
    process = subprocess.Popen(command(tmp_path / "site.yaml", "serve", "--port", "0"), cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str | None] = []
    for line in process.stdout:
        lines.append(line)
        started = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        if started:
            break
    else:
        pytest.fail("serve ended before serving:\n" + "".join(lines))
    def read():
        lines.extend(process.stdout)
        lines.append(None)  # the server has ended

    threading.Thread(target=read, daemon=True).start()
    yield tmp_path, started.group(1), lines
    process.terminate()
    process.wait()


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edit_rebuilds_and_the_open_page_reloads(preview, chromium):
    root, url, lines = preview
    assert "__reload" not in (root / "site" / DOCUMENT).read_text(encoding="utf-8")
    page = chromium.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url + DOCUMENT)
    assert page.locator("h1").inner_text() == "区政府第73次常务会议纪要"
    assert page.locator('script[src^="/__reload.js?"]').count() == 1

    _edit(root / "content" / "2024-04-24-executive-meeting-73.md", "title: 区政府第73次常务会议纪要",
          "title: 区政府第73次常务会议纪要（修订）")
    page.wait_for_function("() => document.querySelector('h1').textContent.includes('（修订）')", timeout=RELOADED)
    assert "（修订）" in (root / "site" / DOCUMENT).read_text(encoding="utf-8")
    assert any("content/2024-04-24-executive-meeting-73.md changed; rebuilding" in line for line in lines), lines

    # A mistake in site.yaml is reported and the preview goes on with the last good build.
    _edit(root / "site.yaml", "title: 上海市长宁区人民政府文件库", "title: [长宁区文件库预览")
    for line in _following(lines):
        if line.startswith("serve: rebuild failed, still showing the previous build: ConfigError: "):
            assert "site.yaml" in line
            break
    _edit(root / "site.yaml", "title: [长宁区文件库预览", "title: 长宁区文件库预览")
    page.wait_for_function("() => document.title.includes('长宁区文件库预览')", timeout=RELOADED)
    assert any("site.yaml changed; rebuilding" in line for line in lines), lines
    assert errors == []
    page.close()


def test_a_new_source_is_ingested_and_published(preview):
    root, url, lines = preview
    source = (REPO / "sources" / "2024-04-24-executive-meeting-73.txt").read_text(encoding="utf-8")
    (root / "sources" / "2024-05-08-executive-meeting-74.txt").write_text(
        source.replace("13号", "14号").replace("第73次", "第74次"), encoding="utf-8")
    page = root / "site" / "2024" / "2024-05-08-executive-meeting-74.html"
    for line in _following(lines):
        if line.startswith("serve: rebuilt") and page.exists():
            break
    assert (root / "content" / "2024-05-08-executive-meeting-74.md").is_file()
    with urllib.request.urlopen(url + "2024/2024-05-08-executive-meeting-74.html") as response:
        assert "第74次" in response.read().decode("utf-8")
    assert any("sources/2024-05-08-executive-meeting-74.txt changed; rebuilding" in line for line in lines), lines
    # What ingest wrote into content/ is not taken for an edit: the next rebuild is the next edit's.
    _edit(root / "content" / "2024-04-24-executive-meeting-73.md", "title: 区政府第73次常务会议纪要", "title: 第73次")
    for line in _following(lines):
        if "changed; rebuilding" in line and "2024-04-24-executive-meeting-73.md" in line:
            break
    rebuilds = [line for line in lines if "changed; rebuilding" in line]
    assert len(rebuilds) == 2 and "sources/" in rebuilds[0] and "content/" in rebuilds[1], lines


def _following(lines):
    """The output lines as they come, each once (the first read again), until the server ends."""
    seen = 0
    while True:
        while seen < len(lines):
            seen += 1
            if lines[seen - 1] is None:
                pytest.fail("serve ended:\n" + "".join(filter(None, lines)))
            yield lines[seen - 1]
        threading.Event().wait(0.1)
