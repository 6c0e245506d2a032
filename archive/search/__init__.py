"""Search: what a query means (query), folding and jieba (tokenizer), the browser bundle's
layout (bundle_format), its writer (search_index) and Python reader (bundle_reader), and the
staff index behind `build.py search` (staff_search).
"""
