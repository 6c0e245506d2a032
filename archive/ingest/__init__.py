"""Ingest: raw sources as governments publish them (text from PDFs, web pages, Markdown, .docx,
PDF) -> content/<id>.md, Markdown with the front-matter of archive.document.

readers (decode, one reader per format) -> tasks (the key-work table) -> normalize (clean
Markdown) -> metadata (front-matter) -> convert (writes content files, never over hand edits).
"""
