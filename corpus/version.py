"""huiyi's version: the package's version (pyproject.toml reads it from here), written into each
index manifest and each result table's provenance. Reading it from the installed package's
metadata instead took 40 ms, a tenth of a one-file index update."""

VERSION = "0.1.0"
