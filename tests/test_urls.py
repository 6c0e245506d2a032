"""urls: the one module that knows URL patterns."""

import pytest

from archive.document import DOC_TYPES, Document
from archive.site import urls


def doc(id="cn-2024-1", date="2024-03-07"):
    return Document(meta={"id": id, "title": "标题", "date": date}, body="")


def test_a_document_lives_under_its_year_and_undated_ones_under_undated():
    assert urls.document_url(doc()) == "2024/cn-2024-1.html"
    assert urls.document_url(doc(date=None)) == "undated/cn-2024-1.html"


def test_collection_pages_after_the_first_sit_beside_it_at_the_same_depth():
    assert urls.collection_url("department", "qufuban") == "departments/qufuban.html"
    assert urls.collection_url("department", "qufuban", 3) == "departments/qufuban-page-3.html"
    assert urls.year_url("2024") == "years/2024.html"
    assert urls.topic_url("zonghe-zhengwu", 2) == "topics/zonghe-zhengwu-page-2.html"
    assert urls.type_url("minutes") == "types/minutes.html"


def test_every_document_type_has_an_ascii_slug_and_no_two_share_one():
    slugs = [urls.type_slug(label) for label in (*DOC_TYPES, urls.OTHER_TYPE_LABEL)]
    assert all(slug.isascii() for slug in slugs)
    assert len(set(slugs)) == len(slugs)


@pytest.mark.parametrize("bad", ["..", "../etc", "a/b", "a\\b", "政府", "", "UPPER", "-x", None, 7])
def test_a_path_segment_that_could_leave_the_output_folder_is_refused(bad):
    with pytest.raises(urls.UnsafePathError):
        urls.segment(bad)
    with pytest.raises(urls.UnsafePathError):
        urls.department_url(bad)


def test_a_hashed_slug_is_ascii_and_the_same_every_time():
    slug = urls.hashed_slug("d", "某某临时工作专班")
    assert slug == urls.hashed_slug("d", "某某临时工作专班")
    assert urls.segment(slug) == slug
    assert slug != urls.hashed_slug("d", "另一个专班")


def test_links_are_relative_to_the_page_they_appear_on():
    at_root = urls.Links(urls.HOME)
    below = urls.Links("2024/cn-2024-1.html")
    assert at_root.root == "" and below.root == "../"
    assert at_root.document(doc()) == "2024/cn-2024-1.html"
    assert below.document(doc()) == "../2024/cn-2024-1.html"
    assert below.static("style.css") == "../static/style.css"
    assert below.home() == "../index.html"
    assert at_root.home() == "index.html"
    assert below.search() == "../search.html"
