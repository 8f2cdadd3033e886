# Front door. `make test` and `make demo` install what is missing first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
MAKEFLAGS  += --no-print-directory
.DEFAULT_GOAL := all

# Optional parts (install, fuzz, target tests) each add their own targets in
# mk/*.mk and may append to TEST_EXTRA (run last by `make test`) and CLEAN_EXTRA.
TEST_EXTRA  :=
CLEAN_EXTRA :=
-include mk/*.mk

.PHONY: all build deps test test-fast test-asan test-powerloss lx106 demo bench clean

all: build

deps:
	@scripts/deps.sh

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The whole suite: the core built for the ESP8266 (lx106), every ctest in a
# normal build, then every ctest again under ASan+UBSan.
test: deps build lx106 test-fast test-asan $(TEST_EXTRA)

test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -LE full

test-asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFK_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -LE full

# Exhaustive sweeps too slow for every run (every power-cut point).
test-powerloss: deps build
	ctest --test-dir $(BUILD) --output-on-failure -V -L full

lx106:
	@scripts/lx106-size.sh

demo: deps build
	@scripts/demo.sh $(BUILD)
	@scripts/demo-secure.sh $(BUILD)

bench: build
	@scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(CLEAN_EXTRA)

