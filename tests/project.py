"""A project of its own for command-line tests: a site.yaml in a temporary folder whose output,
caches and staff index stay there, reading the repository's templates, static files and data tables
(and the given content), and build.py run on it as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def write_config(folder: Path, content: Path, sources: Path | None = None, output: Path | None = None) -> Path:
    """folder/site.yaml: the repository's site.yaml with paths into folder (sources and content as given)."""
    config = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
    config["paths"] = {
        "sources": str(sources or REPO / "sources"),
        "content": str(content),
        "templates": str(REPO / "templates"),
        "static": str(REPO / "static"),
        "output": str(output or folder / "site"),
    }
    config["data"] = {key: str(REPO / value) for key, value in config["data"].items()}
    path = folder / "site.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), "--config", str(config), *args]


def run(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(config, *args), capture_output=True, text=True, cwd=config.parent)
