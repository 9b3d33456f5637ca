"""Finding candidates: PEP 503 HTML and PEP 691 JSON simple API pages, PEP 658/714 metadata,
find-links pages and folders, local files; tag, requires-python and yanked filtering; the index
strategy; metadata by range request into a wheel.

I/O through `bale.http` and `bale.cache`; page parsing and candidate evaluation are pure functions.
"""
