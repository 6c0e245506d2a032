"""Static, searchable archive of Chinese government documents.

The pipeline: sources -> Document (front-matter + Markdown, in content/) -> Site (collections
and cross-links) -> pages -> search indexes. Its three stages are the subpackages ingest, site
and search; the document schema, configuration, data tables and `archive.pipeline`, which strings
the stages together, are shared at the top.
"""
