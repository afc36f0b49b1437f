# Two commands for a newcomer: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_INDEX := .huiyi-demo

.PHONY: demo test install clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	# an editable install leaves huiyi's own modules uncompiled; where PYTHONDONTWRITEBYTECODE
	# is set they would be compiled again at every start (~40 ms of every command)
	$(BIN)/python -m compileall -q corpus indexer search
	touch $@

install: $(BIN)/.installed

test: install
	$(BIN)/python -m pytest

demo: install
	$(BIN)/huiyi check corpus/samples
	$(BIN)/huiyi index corpus/samples --index $(DEMO_INDEX) --rebuild
	$(BIN)/huiyi search cooperativization --index $(DEMO_INDEX) --limit 3 --format text
	$(BIN)/huiyi search '合作化' --index $(DEMO_INDEX) --limit 3 --format text
	$(BIN)/huiyi search '"blind optimism"' --index $(DEMO_INDEX) --limit 3 --format text
	$(BIN)/huiyi search '"急躁冒進"' --index $(DEMO_INDEX) --limit 3 --format text
	$(BIN)/huiyi search 'speaker:"Deng Zihui" cooperatives' --index $(DEMO_INDEX) --limit 3 --format text
	$(BIN)/huiyi search '合作化 date:1955' --index $(DEMO_INDEX) --group meeting --facet year,speaker --format text
	$(BIN)/huiyi batch examples/queries.txt --index $(DEMO_INDEX) --counts-only --format csv
	$(BIN)/huiyi kwic 统购统销 --index $(DEMO_INDEX) --width 12
	$(BIN)/huiyi trend 合作化 --expand --index $(DEMO_INDEX)
	$(BIN)/huiyi stats --index $(DEMO_INDEX)

clean:
	rm -rf $(VENV) $(DEMO_INDEX) *.egg-info
