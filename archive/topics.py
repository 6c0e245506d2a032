"""Topics: the 22 top-level categories of the State Council 主题分类 and the rules that assign them.

The taxonomy, its keywords and the scoring thresholds all live in data/topics.yaml; this module only
reads and applies them. Evidence for a topic is the number of keyword occurrences plus a weight for
each of the topic's departments among those the document names. The threshold grows with the text's
length and the number of topics is capped by length, so a short minute item gets its few strongest
topics while a long work report, which really does touch most of the taxonomy, gets many.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from archive.departments import SLUG_PATTERN, DataError, read_data_file, trie_pattern

_WHITESPACE = re.compile(r"\s+")
_SCORING_KEYS = {
    "department_weight": (int, float), "min_score": (int, float), "per_thousand_chars": (int, float),
    "relative_to_best": (int, float), "max_topics_base": int, "chars_per_extra_topic": int, "max_topics": int,
}
_TOPIC_KEYS = {"label", "slug", "keywords", "departments"}


@dataclass(frozen=True)
class Topic:
    label: str
    slug: str


@dataclass(frozen=True)
class _Rule:
    topic: Topic
    departments: frozenset[str]


class TopicRules:
    def __init__(self, rules: list[_Rule], keyword_topics: dict[str, tuple[int, ...]], scoring: dict[str, Any]):
        self._rules = rules
        self._keyword_topics = keyword_topics
        self._scoring = scoring
        self._pattern = re.compile(trie_pattern(sorted(keyword_topics))) if keyword_topics else None
        self.topics: list[Topic] = [rule.topic for rule in rules]

    @classmethod
    def load(cls, path: Path | str) -> "TopicRules":
        path = Path(path)
        data = read_data_file(path, "the topic rules are configured as data.topics in site.yaml")
        if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
            raise DataError(f"{path}: expected a mapping with `scoring` and a `topics` list")
        scoring = _read_scoring(path, data.get("scoring"))
        rules: list[_Rule] = []
        keyword_topics: dict[str, list[int]] = {}
        labels: set[str] = set()
        slugs: set[str] = set()
        for index, entry in enumerate(data["topics"]):
            where = f"{path}: topic {index + 1}"
            if not isinstance(entry, dict):
                raise DataError(f"{where}: expected a mapping with label, slug, keywords, departments, found {entry!r}")
            unknown = set(entry) - _TOPIC_KEYS
            if unknown:
                raise DataError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: {', '.join(sorted(_TOPIC_KEYS))}")
            label = entry.get("label")
            if not isinstance(label, str) or not label.strip():
                raise DataError(f"{where}: label must be non-empty text, found {label!r}")
            where = f"{path}: {label}"
            slug = entry.get("slug")
            if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
                raise DataError(f"{where}: slug must be lower-case ASCII words joined by hyphens, found {slug!r}")
            if label in labels or slug in slugs:
                raise DataError(f"{where}: label or slug {slug!r} is used by an earlier topic; both must be unique")
            labels.add(label)
            slugs.add(slug)
            keywords = _string_list(where, "keywords", entry.get("keywords"))
            departments = _string_list(where, "departments", entry.get("departments"))
            for keyword in keywords:
                topics = keyword_topics.setdefault(_WHITESPACE.sub("", keyword), [])
                if index not in topics:
                    topics.append(index)
            rules.append(_Rule(Topic(label, slug), frozenset(departments)))
        return cls(rules, {keyword: tuple(topics) for keyword, topics in keyword_topics.items()}, scoring)

    def rule_departments(self) -> set[str]:
        """Every department name the rules refer to (so a test can check them against departments.yaml)."""
        return {name for rule in self._rules for name in rule.departments}

    def scores(self, text: str, departments: Iterable[str] = ()) -> list[float]:
        """Evidence for each topic, in taxonomy order."""
        scores = [0.0] * len(self._rules)
        if self._pattern is not None:
            for match in self._pattern.finditer(text):
                for index in self._keyword_topics[_WHITESPACE.sub("", match.group())]:
                    scores[index] += 1
        named = set(departments)
        weight = self._scoring["department_weight"]
        for index, rule in enumerate(self._rules):
            scores[index] += weight * len(rule.departments & named)
        return scores

    def assign(self, text: str, departments: Iterable[str] = ()) -> list[str]:
        """Labels of the topics the text is about, in taxonomy order; empty when there is too little
        evidence for any."""
        scoring = self._scoring
        scores = self.scores(text, departments)
        length = len(_WHITESPACE.sub("", text))
        threshold = max(scoring["min_score"], scoring["per_thousand_chars"] * length / 1000)
        best = max(scores, default=0)
        candidates = [index for index, score in enumerate(scores)
                      if score >= threshold and score >= scoring["relative_to_best"] * best]
        limit = min(scoring["max_topics"], scoring["max_topics_base"] + length // scoring["chars_per_extra_topic"])
        # Ties keep taxonomy order (sorted is stable), so the result does not depend on set ordering.
        chosen = sorted(candidates, key=lambda index: -scores[index])[:limit]
        return [self._rules[index].topic.label for index in sorted(chosen)]


def _string_list(where: str, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, (str, int)) and str(item).strip() for item in value):
        raise DataError(f"{where}: {key} must be a list of words, found {value!r}")
    # YAML reads a bare 12345 or 5G-like keyword as a number; it is still a word to look for.
    return [str(item) for item in value]


def _read_scoring(path: Path, scoring: Any) -> dict[str, Any]:
    if not isinstance(scoring, dict):
        raise DataError(f"{path}: scoring: expected a mapping with {', '.join(_SCORING_KEYS)}, found {scoring!r}")
    problems = []
    for key, kind in _SCORING_KEYS.items():
        value = scoring.get(key)
        if isinstance(value, bool) or not isinstance(value, kind) or value < 0:
            problems.append(f"{path}: scoring: {key} must be a non-negative number, found {value!r}")
    unknown = set(scoring) - set(_SCORING_KEYS)
    if unknown:
        problems.append(f"{path}: scoring: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    if scoring.get("chars_per_extra_topic") == 0:
        problems.append(f"{path}: scoring: chars_per_extra_topic must be at least 1")
    if problems:
        raise DataError("\n".join(problems))
    return dict(scoring)
