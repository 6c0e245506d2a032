"""Hostile and broken input: nothing a document contains runs in a visitor's browser, a bad
document never stops the others, and a killed build leaves the previous site whole."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.document import Document, dump_document

REPO = Path(__file__).resolve().parent.parent
HOSTILE = REPO / "tests" / "fixtures" / "hostile"
SAMPLE_CONTENT = REPO / "content"


def run_build(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def config_file(tmp_path: Path) -> Path:
    """A site.yaml whose site (and its caches) are built inside tmp_path, never in the repository."""
    path = tmp_path / "site.yaml"
    path.write_text(
        f"paths:\n  templates: {REPO / 'templates'}\n  static: {REPO / 'static'}\n"
        f"data:\n  departments: {REPO / 'data/departments.yaml'}\n  topics: {REPO / 'data/topics.yaml'}\n",
        encoding="utf-8")
    return path


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, folder)
    return folder


def build(tmp_path: Path, content: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_build("--config", str(config_file(tmp_path)), "build", "--content", str(content), "--out", str(out), *extra)


def test_a_hostile_document_is_built_with_its_markup_shown_as_text(tmp_path, content):
    shutil.copy(HOSTILE / "xss.md", content / "hostile-script.md")
    out = tmp_path / "site"
    completed = build(tmp_path, content, out)
    assert completed.returncode == 0, completed.stderr
    page = (out / "2024" / "hostile-script.html").read_text(encoding="utf-8")
    assert "<script>window" not in page and "<img src=\"x\"" not in page and "<iframe" not in page
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*(javascript|vbscript|data):""", page, re.IGNORECASE)
    assert "&lt;script&gt;" in page  # shown, not dropped: an archive keeps what the document says


def test_no_script_from_a_document_runs_in_chromium_and_no_csp_violation_is_reported(tmp_path, content, chromium):
    shutil.copy(HOSTILE / "xss.md", content / "hostile-script.md")
    out = tmp_path / "site"
    assert build(tmp_path, content, out).returncode == 0
    context = chromium.new_context()
    page = context.new_page()
    dialogs, problems = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    pages = ["2024/hostile-script.html", "index.html", "years/2024.html", "search.html?q=%E9%80%9A%E7%9F%A5"]
    for url in pages:
        page.goto((out / url.split("?")[0]).as_uri() + ("?" + url.split("?")[1] if "?" in url else ""))
        page.wait_for_load_state("networkidle")
        for link in page.locator("main a").all():
            href = link.get_attribute("href") or ""
            assert not href.lower().startswith(("javascript:", "data:", "vbscript:")), (url, href)
        pwned = page.evaluate("Object.keys(window).filter(k => k.startsWith('__pwned'))")
        assert pwned == [], (url, pwned)
    context.close()
    assert dialogs == []
    assert problems == []


def test_every_page_carries_a_content_security_policy_without_inline_script(tmp_path, content):
    out = tmp_path / "site"
    assert build(tmp_path, content, out).returncode == 0
    pages = list(out.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert 'http-equiv="Content-Security-Policy"' in text, path
        assert "script-src 'self'" in text and "'unsafe-inline'" not in text, path
        head, _, body = text.partition("</head>")
        assert "<script>" not in text and "onload=" not in body and "onclick=" not in body, path


def bad_content(folder: Path) -> dict[str, str]:
    """Broken content files beside good ones; returns file name -> what its message must say."""
    (folder / "broken-yaml.md").write_text("---\nid: broken-yaml\ntitle: [未闭合\n---\n正文\n", encoding="utf-8")
    (folder / "bad-date.md").write_text("---\nid: bad-date\ntitle: 日期错误\ndate: 2024-13-45\n---\n正文\n", encoding="utf-8")
    (folder / "bad-departments.md").write_text("---\nid: bad-departments\ntitle: 部门写成字符串\ndepartments: 区府办\n---\n正文\n", encoding="utf-8")
    (folder / "bad-type.md").write_text("---\nid: bad-type\ntitle: 文种未知\ndoc_type: 备忘录\n---\n正文\n", encoding="utf-8")
    (folder / "climbing.md").write_text("---\nid: ../../etc\ntitle: 越界路径\n---\n正文\n", encoding="utf-8")
    (folder / "no-front-matter.md").write_text("# 没有前置元数据\n正文\n", encoding="utf-8")
    (folder / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    duplicate = (folder / "2024-03-27-executive-meeting-70.md").read_text(encoding="utf-8")
    (folder / "copy-of-minutes.md").write_text(duplicate, encoding="utf-8")  # same id as its original
    return {"broken-yaml.md": "not valid YAML", "bad-date.md": "date", "bad-departments.md": "departments",
            "bad-type.md": "doc_type", "climbing.md": "id", "no-front-matter.md": "front-matter",
            "binary.md": "UTF-8", "copy-of-minutes.md": "2024-03-27-executive-meeting-70"}


def test_bad_content_files_are_each_named_once_without_a_traceback_and_the_good_ones_are_built(tmp_path, content):
    expected = bad_content(content)
    out = tmp_path / "site"
    completed = build(tmp_path, content, out)
    assert completed.returncode == 1
    output = completed.stdout + completed.stderr
    assert "Traceback" not in output
    for name, says in expected.items():
        lines = [line for line in output.splitlines() if name in line]
        assert lines, f"no message names {name}"
        assert any(says in line for line in lines), (name, lines)
    assert (out / "2024" / "2024-03-27-executive-meeting-70.html").exists()
    assert not (tmp_path / "etc").exists() and not any(out.parent.parent.glob("etc*"))
    assert len(list((out / "2024").glob("*.html"))) == 3


def test_a_build_of_the_same_content_is_byte_identical(tmp_path, content):
    first, second = tmp_path / "one", tmp_path / "two"
    assert build(tmp_path, content, first).returncode == 0
    assert build(tmp_path, content, second).returncode == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    different = [str(f) for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert different == []


def processes_running(text: str) -> list[int]:
    """Live processes whose command line holds text (a zombie's command line is empty)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if text in (proc / "cmdline").read_bytes().decode("utf-8", "replace"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_a_build_killed_while_writing_leaves_the_previous_site_whole(tmp_path, content):
    out = tmp_path / "site"
    assert build(tmp_path, content, out).returncode == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # Enough documents that the write phase lasts long enough to be interrupted.
    template = (content / "2024-04-24-executive-meeting-73.md").read_text(encoding="utf-8")
    for number in range(400):
        (content / f"extra-{number}.md").write_text(
            template.replace("id: 2024-04-24-executive-meeting-73", f"id: extra-{number}"), encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "--config", str(config_file(tmp_path)),
                                "build", "--content", str(content), "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging_seen = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.name.startswith("site.tmp") for p in tmp_path.iterdir()):
            staging_seen = True
            time.sleep(0.3)  # well inside the write phase
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert staging_seen, "the build finished before its write phase could be interrupted"
    # Its render workers end too (each watches its parent), instead of waiting forever to hand a
    # result to a process that is gone.
    deadline = time.monotonic() + 10
    while processes_running(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_running(str(tmp_path)) == []
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    # The next build clears the leftovers of the killed one and succeeds.
    assert build(tmp_path, content, out).returncode == 0
    assert not any(p.name.startswith("site.tmp") for p in tmp_path.iterdir())
    assert (out / "2024" / "extra-7.html").exists()


def test_a_five_megabyte_document_builds(tmp_path, content):
    paragraph = "会议指出，要进一步优化营商环境，推动长宁经济社会高质量发展。" * 20
    body = "\n\n".join(f"## 第{n}部分\n\n{paragraph}" for n in range(1, 2900))
    assert len(body.encode("utf-8")) > 5_000_000
    document = Document({"id": "very-long", "title": "超长文件", "date": "2024-06-01", "doc_type": "通知"}, body)
    (content / "very-long.md").write_text(dump_document(document), encoding="utf-8")
    out = tmp_path / "site"
    completed = build(tmp_path, content, out)
    assert completed.returncode == 0, completed.stderr
    assert (out / "2024" / "very-long.html").stat().st_size > 5_000_000


def test_an_invalid_site_yaml_exits_2_with_the_key_named(tmp_path):
    config = tmp_path / "site.yaml"
    config.write_text("build:\n  page_size: 0\n", encoding="utf-8")
    completed = run_build("--config", str(config), "build")
    assert completed.returncode == 2
    assert "build.page_size: expected a whole number of at least 1, found 0" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_missing_content_folder_exits_2_and_says_what_to_do(tmp_path):
    completed = build(tmp_path, tmp_path / "nowhere", tmp_path / "site")
    assert completed.returncode == 2
    assert "content folder not found" in completed.stderr


def test_an_archive_whose_only_document_is_broken_still_builds_an_empty_site(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "bad-date.md").write_text("---\nid: bad-date\ntitle: 日期错误\ndate: 2024-13-45\n---\n正文\n", encoding="utf-8")
    out = tmp_path / "site"
    completed = build(tmp_path, content, out)
    assert completed.returncode == 1
    assert "Traceback" not in completed.stdout + completed.stderr
    assert "bad-date.md:4: date" in completed.stdout + completed.stderr
    assert (out / "index.html").exists() and (out / "search.html").exists()
