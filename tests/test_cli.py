"""build.py search as staff use it: malformed flags are usage errors naming the flag, --department
takes any of a body's names, and both outputs carry the 发文字号 (built from the fixture site)."""

from __future__ import annotations

import importlib.util
import json
import types

import pytest

from archive.departments import DepartmentTable
from archive.document import load_document
from conftest import SITE_FIXTURE
from project import REPO, run, write_config

# build.py run in this process (a subprocess per call would take seconds each): its main() as a user calls it.
_spec = importlib.util.spec_from_file_location("build_cli", REPO / "build.py")
build_cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_cli)

TABLE = DepartmentTable.load(REPO / "data" / "departments.yaml")
# The staff JSON keys before issue 12, which scripts may read; doc_number is the one added.
JSON_KEYS = {"id", "source", "path", "url", "title", "date", "doc_type", "departments", "snippet", "score"}


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    config = write_config(folder, SITE_FIXTURE / "content")
    built = run(config, "build")
    assert built.returncode == 0, built.stderr
    return config


@pytest.fixture(scope="module")
def documents():
    return {doc.id: doc for doc in map(load_document, sorted((SITE_FIXTURE / "content").rglob("*.md")))}


@pytest.mark.parametrize("flags, flag, expected", [
    (["--from", "2024-13-01"], "--from", "YYYY-MM-DD"),
    (["--from", "2024/01/01"], "--from", "YYYY-MM-DD"),
    (["--to", "2024-02-30"], "--to", "YYYY-MM-DD"),
    (["--to", "yesterday"], "--to", "YYYY-MM-DD"),
    (["--limit", "0"], "--limit", "1 or more"),
    (["--limit", "-3"], "--limit", "1 or more"),
    (["--limit", "ten"], "--limit", "1 or more"),
])
def test_a_malformed_flag_is_a_usage_error_naming_the_flag(config, flags, flag, expected, capsys):
    result = search(config, capsys, "发展", *flags)
    assert result.returncode == 2 and result.stdout == ""
    message = result.stderr.strip().splitlines()[-1]
    assert f"argument {flag}:" in message and expected in message and repr(flags[1]) in message


def search(config, capsys, *args):
    """build.py --config config search args: returncode, stdout and stderr."""
    capsys.readouterr()
    try:
        code = build_cli.main(["--config", str(config), "search", *args])
    except SystemExit as exit:  # argparse's usage errors
        code = exit.code
    out, err = capsys.readouterr()
    return types.SimpleNamespace(returncode=code, stdout=out, stderr=err)


def test_an_empty_date_range_is_a_usage_error(config, capsys):
    result = search(config, capsys, "发展", "--from", "2024-05-01", "--to", "2024-01-01")
    assert result.returncode == 2 and "2024-05-01" in result.stderr and "2024-01-01" in result.stderr


def test_a_valid_range_and_limit_are_accepted(config, capsys):
    result = search(config, capsys, "发展", "--from", "2020-01-01", "--to", "2024-12-31", "--limit", "1", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["total"] >= 2 and len(found["results"]) == 1
    assert all("2020-01-01" <= item["date"] <= "2024-12-31" for item in found["results"])


def _ids(config, capsys, *flags):
    result = search(config, capsys, "发展", "--limit", "100", "--json", *flags)
    assert result.returncode == 0, result.stderr
    return {item["id"] for item in json.loads(result.stdout)["results"]}


def test_department_takes_any_name_form(config, documents, capsys):
    full = TABLE.canonical("区发改委")
    department = TABLE.get(full)
    expected = {doc_id for doc_id, doc in documents.items() if full in (doc.meta.get("departments") or [])}
    assert expected and _ids(config, capsys, "--department", full) == expected & _ids(config, capsys)
    for form in department.surface_forms:
        assert _ids(config, capsys, "--department", form) == _ids(config, capsys, "--department", full), form
    assert _ids(config, capsys, "--department", "没有这个部门") == set()


def test_json_carries_the_doc_number_and_keeps_its_keys(config, documents, capsys):
    result = search(config, capsys, "发展", "--limit", "100", "--json")
    items = json.loads(result.stdout)["results"]
    assert items and all(set(item) == JSON_KEYS | {"doc_number"} for item in items)
    for item in items:
        assert item["doc_number"] == documents[item["id"]].meta.get("doc_number")
    assert any(item["doc_number"] for item in items) and any(item["doc_number"] is None for item in items)


def test_text_output_shows_the_doc_number_and_at_most_three_departments(config, capsys):
    found = json.loads(search(config, capsys, "发展", "--limit", "100", "--json").stdout)["results"]
    text = search(config, capsys, "发展", "--limit", "100").stdout
    many = [item for item in found if len(item["departments"]) > 3]
    numbered = [item for item in found if item["doc_number"]]
    assert many and numbered
    for item in numbered:
        assert item["doc_number"] in text
    for item in many:
        names = item["departments"]
        line = next(line for line in text.splitlines() if f"[{item['id']}]" in line)
        assert "、".join(names[:3]) + f" 等 {len(names)} 个部门" in line
        assert all(name not in line for name in names[3:] if not any(name in shown for shown in names[:3]))
