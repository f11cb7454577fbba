# Mentorat — the two quick-start commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The demo always runs on the embedded SQLite database with tasks in-process.
DEMO_ENV := DEBUG=1 DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 REDIS_URL=

.PHONY: install demo serve test quality fix lock clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements/dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "Python 3.11 ou plus récent est requis (trouvé : $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	@touch $@

# The W3C HTML checker the browser tests run on every page (package-lock.json). Its install
# script would download a Java runtime: never run, the machine's Java is used. Without npm or
# Java, those checks are skipped with their reason (and fail under REQUIRE_SERVICES=1).
node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@ \
		|| echo "npm ci a échoué : le validateur HTML des tests de navigateur manquera."; \
	else echo "npm absent : le validateur HTML des tests de navigateur ne sera pas installé."; fi

demo: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py planifier_taches
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo "Mentorat est servi sur http://127.0.0.1:8000 (Ctrl+C pour arrêter)."
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

serve: install
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# In parallel, a worker per core (four at most: each has its own Redis database, see
# conftest.py). A file's tests stay in one worker, so that a module's costly setup (the seeded
# demo, the access matrix's world) is built once.
test: install
	$(BIN)/pytest -n auto --maxprocesses 4 --dist loadfile -m "not transactionnel"
	$(BIN)/pytest -m transactionnel

# lint-imports checks the import contracts of pyproject.toml (layers that point down only, see
# docs/architecture.md). The last step audits the locked versions for known vulnerabilities:
# it fails on one, and only warns when the vulnerability service cannot be reached (see
# .ci/audit_dependances.py).
quality: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/python .ci/audit_dependances.py requirements/base.lock requirements/dev.lock

fix: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --universal --generate-hashes -o requirements/base.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --universal --generate-hashes -o requirements/dev.lock

clean:
	rm -rf $(VENV) node_modules artefacts db.sqlite3 staticfiles .pytest_cache .ruff_cache
