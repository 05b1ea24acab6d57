# Every habit is one command. `make run` and `make test` install dependencies
# themselves when node_modules is missing or older than the lock file.
SHELL := /bin/bash
.DEFAULT_GOAL := help
INSTALLED := node_modules/.installed

.PHONY: help run test test-unit test-integration generate check typecheck lint spec-lint breaking drift sdk-build \
	stubs migrations-check migrate migration build format sdk sdk-session generator-jar contract-prism mock changelog bench \
	image-base image image-test deploy-check

help:
	@echo "make run       start the service (embedded database unless DATABASE_URL is set)"
	@echo "make test      run every test (embedded database unless DATABASE_URL is set)"
	@echo "make generate  regenerate generated/ (types, bindings, TypeScript SDK) from openapi/; needs Java 17+"
	@echo "make check     typecheck, lint, spec lint, breaking changes, generated-code drift, stubs left, SDK build, missing-migration check, deployment files"
	@echo "make sdk LANG=python  a client SDK in any openapi-generator language, into dist/sdk/<LANG>/"
	@echo "make sdk-session  the scripted client session through the TypeScript, Java and Python SDKs (LANG=<one>)"
	@echo "make breaking  fail on a breaking spec change against main (BASE_REF=<ref> to choose the base)"
	@echo "make changelog rewrite CHANGELOG.md from the spec's history: a section per info.version, and Unreleased"
	@echo "make contract-prism  the contract suite through Stoplight Prism (a second validator)"
	@echo "make mock      a mock of the API on http://127.0.0.1:4010 serving the spec's examples (MOCK_PORT=<port>)"
	@echo "make bench     the service against a bare node:http + pg peer, path by path (ratios, targets), and what rate limits cost"
	@echo "make migrate   apply pending migrations to the configured database"
	@echo "make migration write a migration for entity changes (review it before committing)"
	@echo "make image     the container image (podman; the base images first if missing); IMAGE=<tag>"
	@echo "make image-test  run the image against PostgreSQL at 127.0.0.1 and check it (see docs/deployment.md)"

# npm ci replaces node_modules: through a link it would empty the linked checkout's packages.
$(INSTALLED): package.json package-lock.json
	@if [ -L node_modules ]; then echo "node_modules links to $$(readlink node_modules): install there" >&2; exit 1; fi
	npm ci --no-audit --no-fund
	@touch $@

# dist/ is rebuilt only when an input changed: a source file or the folders themselves (a file
# added or removed), the compiler settings, or the installed packages. tsc --incremental keeps its
# state next to the output, so `rm -rf dist` starts over from scratch.
BUILD_STAMP := dist/.build-stamp
BUILD_INPUTS := $(shell find src generated -path generated/sdk -prune -o -print 2>/dev/null) \
	tsconfig.json tsconfig.build.json package-lock.json

$(BUILD_STAMP): $(INSTALLED) $(BUILD_INPUTS)
	npx tsc -p tsconfig.build.json --incremental --tsBuildInfoFile dist/.tsbuildinfo
	@touch $@

build: $(BUILD_STAMP)

run: build
	node dist/src/main.js

# wrk leaves the cores to the servers; autocannon (in-process) is the fallback.
bench: build
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }; } >/dev/null 2>&1; } || \
		echo "wrk is not installed: the load comes from autocannon"
	npx tsx scripts/bench.ts

test: $(INSTALLED)
	npx jest $(JEST_ARGS)

test-unit: $(INSTALLED)
	npx jest test/unit

generate: $(INSTALLED)
	npx tsx scripts/generate.ts

check: typecheck lint spec-lint breaking drift stubs sdk-build migrations-check deploy-check

typecheck: $(INSTALLED)
	npx tsc --noEmit
	npx tsc --noEmit -p test/contract/tsconfig.json

lint: $(INSTALLED)
	npx eslint --max-warnings 0 .
	npx prettier --check .

format: $(INSTALLED)
	npx prettier --write .

# Two linters: Redocly with our rules (redocly.yaml), and Spectral's OpenAPI ruleset
# (.spectral.yaml), which also asks for descriptions and a contact; warnings fail both.
spec-lint: $(INSTALLED)
	npx redocly lint openapi/openapi.yaml
	npx spectral lint openapi/openapi.yaml --fail-severity=warn

breaking: $(INSTALLED)
	npx tsx scripts/check-breaking.ts

changelog: $(INSTALLED)
	npx tsx scripts/changelog.ts

drift: $(INSTALLED)
	scripts/check-drift.sh

# A generated stub (501) left in src/ fails, unless scripts/allowed-stubs.json or ALLOW_STUBS allows it.
stubs: $(INSTALLED)
	npx tsx scripts/check-stubs.ts

sdk-build: $(INSTALLED)
	npx tsc -p scripts/sdk.tsconfig.json

# The pinned openapi-generator JAR, fetched with Maven and checksum-verified
# (whatever runs the generator does this first when it is missing).
generator-jar:
	@scripts/fetch-openapi-generator.sh

# LANG is also the locale variable: only a value given on the command line
# names a generator, and the generator itself runs without it.
SDK_LANG := $(if $(filter command line,$(origin LANG)),$(LANG))

sdk: $(INSTALLED)
	env -u LANG npx tsx scripts/sdk.ts '$(SDK_LANG)' $(SDK_ARGS)

# The scripted client session through the TypeScript, Java (Maven) and Python (Debian's packages)
# SDKs, or the one LANG names, each against a fresh server of its own (sdk/README.md).
sdk-session: build
	env -u LANG npx tsx scripts/sdk-session.ts $(SDK_LANG)

contract-prism: $(INSTALLED)
	scripts/contract-prism.sh

# Stoplight Prism's mock mode on the bundled spec: every operation answers with its
# documented example, so clients can be built before an operation is implemented.
MOCK_HOST ?= 127.0.0.1
MOCK_PORT ?= 4010
mock: $(INSTALLED)
	npx prism mock generated/openapi.json --host $(MOCK_HOST) --port $(MOCK_PORT)

migrations-check: $(INSTALLED)
	npx tsx scripts/migration-check.ts

migrate: build
	node dist/src/cli.js migrate

migration: $(INSTALLED)
	npx tsx scripts/migration-create.ts

# compose.yaml and deploy/kubernetes against their schemas and this service's settings and probes.
deploy-check: $(INSTALLED)
	npx tsx scripts/check-deploy.ts

# The container image (docs/deployment.md). No registry is needed: the base images are made from
# Debian packages and the npm registry. CONTAINER_ENGINE=docker works too.
image-base:
	scripts/image/build-base.sh

image:
	scripts/image/build-image.sh

image-test:
	scripts/image/test-image.sh
