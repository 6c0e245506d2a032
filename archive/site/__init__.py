"""Site: content/ -> Site (model: collections, cross-links) -> pages (render) -> the output
folder (output: atomic swap, open data), with what one build keeps for the next (cache) and what
a document page shows as text (shown: the page and both search indexes read it).
"""
