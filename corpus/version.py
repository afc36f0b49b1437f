"""huiyi's version: the package's version (pyproject.toml reads it from here), written into each
index manifest and each result table's provenance. Reading it from the installed package's
metadata instead took 40 ms, a tenth of a one-file index update."""

VERSION = "0.1.0"

# How records and rows are read (parser, importers, dates). Raise it when a change makes the same
# file yield other meetings: an update then reads every file again, not just the changed ones,
# and rewrites only the passages that come out different. Indexes made before it was recorded
# read every file again once. 2: HTML tags only, attendance by line, long labels, date ranges,
# words broken at a line's end or by typesetting characters, GB18030 told from Big5 by odd symbols.
# 3: footnote marks wrapped in tags or brackets (<sup><a …>3</a></sup>, <sup>[3]</sup>) and
# Markdown's [^3]. 4: a line that is a bare number (2.5) is no list item. 5: a passage's source is
# its file's absolute path (indexer.build.documents_of), however the file was given.
READER_VERSION = 5
