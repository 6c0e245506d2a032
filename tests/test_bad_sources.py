"""read_source on sources that are broken, odd or hostile: one clear SourceError, or a correct read."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.ingest.readers import SUPPORTED_SUFFIXES, SourceError, read_source

BAD = Path(__file__).parent / "fixtures" / "bad"
SOURCES = Path(__file__).parent.parent / "sources"
MEETING_LINES = [line.strip() for line in (SOURCES / "2024-03-27-executive-meeting-70.txt")
                 .read_text(encoding="utf-8").splitlines() if line.strip()]


def source_error(path: Path) -> SourceError:
    with pytest.raises(SourceError) as caught:
        read_source(path)
    assert str(caught.value).startswith(str(path)), "the message must name the file"
    return caught.value


@pytest.mark.parametrize("name", ["empty.txt", "whitespace.txt"])
def test_empty_and_whitespace_only_files_have_nothing_to_ingest(name):
    error = source_error(BAD / name)
    assert error.message == "is empty; nothing to ingest"


def test_png_renamed_to_txt_is_reported_as_a_binary_file():
    error = source_error(BAD / "image.txt")
    assert error.message == ("looks like a binary file (a PNG image); "
                             "export the document as text, .docx or .pdf")


def test_file_with_nul_bytes_is_reported_as_a_binary_file(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes("会议指出".encode("utf-8") + b"\x00\x00\x01\x02" + bytes(range(256)))
    error = source_error(path)
    assert error.message.startswith("looks like a binary file (NUL byte at offset 12)")


def test_utf16_without_byte_order_mark_is_not_mistaken_for_text(tmp_path):
    path = tmp_path / "no-bom.txt"
    path.write_bytes("区政府第70次常务会议".encode("utf-16-le"))
    assert "looks like a binary file" in source_error(path).message


def test_utf8_cut_inside_the_last_character_drops_only_that_character():
    source = read_source(BAD / "truncated-end.txt")
    assert source.encoding == "utf-8"
    assert source.text == "".join(MEETING_LINES[:4])


def test_utf8_with_a_byte_lost_mid_file_is_an_error_naming_offset_and_line_not_mojibake():
    error = source_error(BAD / "truncated-middle.txt")
    assert error.line == 1
    assert "is not valid UTF-8 (bad byte at offset 66, line 1)" in error.message
    assert "save it as UTF-8" in error.message


def test_invalid_byte_on_a_later_line_is_reported_on_that_line(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_bytes("\r\n".join(MEETING_LINES[:3]).encode("utf-8") + b"\r\n\xff\xfe\xfd" + "会议".encode("utf-8"))
    error = source_error(path)
    assert error.line == 4
    assert str(error).startswith(f"{path}:4: ")


def test_gbk_file_is_read_correctly_not_treated_as_bad():
    source = read_source(BAD / "gbk.txt")
    assert source.encoding == "gb18030"
    assert source.text == "\n".join(MEETING_LINES[:5]) + "\n"


def test_big5_file_is_an_error_rather_than_gb18030_mojibake(tmp_path):
    path = tmp_path / "big5.txt"
    path.write_bytes("臺北市政府關於印發區政府重點工作目標的通知\n會議聽取區府辦關於制訂行政規範性文件管理實施辦法的匯報。\n"
                     .encode("big5"))
    assert "is not GB18030/GBK Chinese text either" in source_error(path).message


def test_broken_yaml_front_matter_names_the_line():
    error = source_error(BAD / "broken-front-matter.md")
    assert error.line == 4
    assert "front-matter is not valid YAML" in error.message


def test_unclosed_front_matter_names_the_first_line(tmp_path):
    path = tmp_path / "unclosed.md"
    path.write_text("---\ntitle: 区政府第70次常务会议\n\n会议听取区府办的汇报。\n", encoding="utf-8")
    error = source_error(path)
    assert error.line == 1 and "no closing '---'" in error.message


def test_docx_that_is_not_a_zip_package_is_a_source_error():
    assert "is not a Word .docx file" in source_error(BAD / "not-a-zip.docx").message


def test_docx_zip_without_word_parts_is_a_source_error(tmp_path):
    path = tmp_path / "damaged.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert "open it in Word or WPS and save it as .docx again" in source_error(path).message


def test_scanned_pdf_without_text_layer_asks_for_ocr():
    error = source_error(BAD / "scan.pdf")
    assert error.message == "has no text layer (a scanned image?); run OCR first or supply the text"


def test_truncated_pdf_is_a_source_error():
    assert "is not a readable PDF" in source_error(BAD / "truncated.pdf").message


def encrypted_pdf() -> bytes:
    """A PDF encrypted with an unknown user password (standard security handler, RC4 40-bit)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 3 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, b"ab" * 16, b"ab" * 16, xref))
    return bytes(out)


def test_encrypted_pdf_asks_for_an_unprotected_copy(tmp_path):
    path = tmp_path / "protected.pdf"
    path.write_bytes(encrypted_pdf())
    assert source_error(path).message.startswith("is an encrypted PDF")


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_20_mb_single_line_file_is_read_quickly(tmp_path, encoding):
    line = "".join(MEETING_LINES)
    unit = line.encode(encoding)
    data = unit * (20_000_000 // len(unit) + 1)
    path = tmp_path / "one-line.txt"
    path.write_bytes(data)
    started = time.perf_counter()
    source = read_source(path)
    elapsed = time.perf_counter() - started
    assert source.encoding == encoding
    assert len(source.text) == len(line) * (20_000_000 // len(unit) + 1)
    assert "\n" not in source.text
    assert elapsed < 10, f"took {elapsed:.1f} s"


# --- properties -------------------------------------------------------------------------------

_SUFFIXES = sorted(SUPPORTED_SUFFIXES) + [".TXT", ".Md", ".HTM", ".DOCX", ".PDF"]


def _zip_with(member: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                         '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                         'wordprocessingml.document.main+xml"/></Types>')
        archive.writestr(member, payload)
    return buffer.getvalue()


_inputs = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda text: text.encode("utf-8")),
    st.text(max_size=500).map(lambda text: text.encode("utf-16")),
    st.tuples(st.sampled_from([b"%PDF-1.4\n", b"\xef\xbb\xbf---\n", b"<html><meta charset=gbk><body><p>",
                               b"\x89PNG\r\n\x1a\n", b"\xff\xfe", b"\xfe\xff"]),
              st.binary(max_size=1000)).map(b"".join),
    st.binary(max_size=500).map(lambda payload: _zip_with("word/document.xml", payload)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_inputs, suffix=st.sampled_from(_SUFFIXES))
def test_any_bytes_with_any_supported_suffix_raise_nothing_but_source_error(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    try:
        source = read_source(path)
    except SourceError as error:
        assert str(error).startswith(str(path))
    else:
        assert source.text.strip()
        assert "\r" not in source.text


_SOURCE_BYTES = (SOURCES / "2024-03-27-executive-meeting-70.txt").read_bytes()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(0, len(_SOURCE_BYTES) - 1), length=st.integers(30, 400), lost=st.integers(0, 399))
def test_utf8_chinese_with_a_lost_byte_is_never_read_as_gb18030(tmp_path, start, length, lost):
    chunk = _SOURCE_BYTES[start:start + length]
    lost %= len(chunk)
    path = tmp_path / "damaged.txt"
    path.write_bytes(chunk[:lost] + chunk[lost + 1:])
    try:
        source = read_source(path)
    except SourceError as error:
        assert "is not" in error.message or error.message == "is empty; nothing to ingest"
    else:
        assert source.encoding == "utf-8"
