"""Static, searchable archive of Chinese government documents.

The pipeline: sources -> Document (front-matter + Markdown, in content/) -> Site (collections
and cross-links) -> pages -> search indexes. Each stage is one module; `archive.pipeline`
strings them together.
"""
