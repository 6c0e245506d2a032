from pathlib import Path

import pytest

from archive.config import OPTIONS, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def test_the_repository_site_yaml_loads_with_every_option_known():
    config = load_config(ROOT / "site.yaml")
    assert config.get("paths.content") == "content"
    assert config.path("paths.content") == ROOT / "content"


def test_defaults_apply_when_an_option_is_left_out(tmp_path):
    (tmp_path / "site.yaml").write_text("site:\n  title: 测试文件库\n", encoding="utf-8")
    config = load_config(tmp_path / "site.yaml")
    assert config.get("site.title") == "测试文件库"
    assert config.get("build.page_size") == 50


def test_a_wrong_type_names_the_file_the_key_and_what_was_expected(tmp_path):
    (tmp_path / "site.yaml").write_text("build:\n  page_size: many\n  strict: 'yes'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "site.yaml")
    message = str(raised.value)
    assert "site.yaml: build.page_size: expected a whole number of at least 1, found 'many'" in message
    assert "build.strict: expected true or false, found 'yes'" in message


def test_an_unknown_key_is_reported_with_the_known_ones(tmp_path):
    (tmp_path / "site.yaml").write_text("paths:\n  contnet: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"paths.contnet: unknown option .*paths.content"):
        load_config(tmp_path / "site.yaml")


def test_broken_yaml_is_reported_with_its_line(tmp_path):
    (tmp_path / "site.yaml").write_text("site:\n  title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"site.yaml: line \d+: not valid YAML"):
        load_config(tmp_path / "site.yaml")


def test_every_option_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [option.key for option in OPTIONS if f"`{option.key}`" not in readme]
    assert missing == []
