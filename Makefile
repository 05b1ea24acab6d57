# Every habit is one command. `make run` and `make test` install dependencies
# themselves when node_modules is missing or older than the lock file.
SHELL := /bin/bash
.DEFAULT_GOAL := help
INSTALLED := node_modules/.installed

.PHONY: help run test test-unit test-integration generate check typecheck lint spec-lint breaking drift migrations-check \
	migrate migration build format

help:
	@echo "make run       start the service (embedded database unless DATABASE_URL is set)"
	@echo "make test      run every test (embedded database unless DATABASE_URL is set)"
	@echo "make generate  regenerate generated/ from openapi/"
	@echo "make check     typecheck, lint, spec lint, breaking changes, generated-code drift, missing-migration check"
	@echo "make breaking  fail on a breaking spec change against main (BASE_REF=<ref> to choose the base)"
	@echo "make migrate   apply pending migrations to the configured database"
	@echo "make migration write a migration for entity changes (review it before committing)"

$(INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: $(INSTALLED)
	npx tsc -p tsconfig.build.json

run: build
	node dist/src/main.js

test: $(INSTALLED)
	npx jest $(JEST_ARGS)

test-unit: $(INSTALLED)
	npx jest test/unit

generate: $(INSTALLED)
	npx tsx scripts/generate.ts

check: typecheck lint spec-lint breaking drift migrations-check

typecheck: $(INSTALLED)
	npx tsc --noEmit

lint: $(INSTALLED)
	npx eslint --max-warnings 0 .
	npx prettier --check .

format: $(INSTALLED)
	npx prettier --write .

spec-lint: $(INSTALLED)
	npx redocly lint openapi/openapi.yaml

breaking: $(INSTALLED)
	npx tsx scripts/check-breaking.ts

drift: $(INSTALLED)
	scripts/check-drift.sh

migrations-check: $(INSTALLED)
	npx tsx scripts/migration-check.ts

migrate: build
	node dist/src/cli.js migrate

migration: $(INSTALLED)
	npx tsx scripts/migration-create.ts
