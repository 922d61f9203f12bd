# Roentgen — the commands a developer and CI run. Quick start on a fresh Debian 12:
#   make run     install what is missing, build (release), serve on 127.0.0.1:2000
#   make test    install, check formatting and layering, build (debug: ASan+UBSan), run every test
#
# Variables: JOBS (build/test parallelism, default 2), ARGS (extra `roentgen serve` flags), e.g.
#   make run ARGS="--data-dir /tmp/roentgen-data"
# The build itself is CMake's (CMakePresets.json); this file only strings the steps together.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

JOBS ?= 2
ARGS ?=

# Debian's python, never a pyenv one from PATH (see scripts/install-deps.sh).
PYTHON := /usr/bin/python3
CLANG_FORMAT := clang-format
# The C++ sources clang-format owns, as a shell command substitution for the recipes below.
CXX_SOURCES = $$(find src apps bench tests -type f \( -name '*.cc' -o -name '*.h' \) | sort)
DEPS_STAMP := build/.deps-installed

.PHONY: build run test format format-check layering-check bench clean deps build-debug help

help:
	@echo "targets: build run [ARGS=...] test format format-check layering-check bench clean deps"

# Re-runs when the package list changes; delete the stamp (or `make clean`) to check again.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	scripts/install-deps.sh
	@mkdir -p $(@D) && touch $@

build: deps
	[[ -f build/release/build.ninja ]] || cmake --preset release
	cmake --build --preset release --parallel $(JOBS)

run: build
	./build/release/apps/roentgen serve $(ARGS)

build-debug: deps
	[[ -f build/debug/build.ninja ]] || cmake --preset debug
	cmake --build --preset debug --parallel $(JOBS)

# The cheap checks first, so a formatting slip fails in seconds rather than after the build.
test: deps
	$(MAKE) --no-print-directory format-check layering-check
	$(MAKE) --no-print-directory build-debug
	ctest --preset debug --parallel $(JOBS)

format: deps
	@files="$(CXX_SOURCES)"; [[ -z "$$files" ]] || $(CLANG_FORMAT) -i $$files

format-check: deps
	@files="$(CXX_SOURCES)"; [[ -z "$$files" ]] || $(CLANG_FORMAT) --dry-run -Werror $$files
	@echo "format-check: OK"

layering-check: deps
	$(PYTHON) -B tools/check_layering.py

bench: build
	@if [[ -x scripts/bench.sh ]]; then scripts/bench.sh; \
	else echo "bench: scripts/bench.sh does not exist yet; built the release binaries only"; fi

clean:
	rm -rf build
