# libFuzzer harnesses (fuzz/fuzz_*.c), built with clang in their own build
# folder. `make fuzz FUZZ_S=N` fuzzes each harness N seconds; `make test`
# replays old crashes and seeds and fuzzes FUZZ_TEST_S seconds each.
# Corpora and crashes stay in $(FUZZ_BUILD)/corpus and /crashes.
FUZZ_BUILD  ?= build-fuzz
FUZZ_S      ?= 60
FUZZ_TEST_S ?= 5

.PHONY: fuzz fuzz-build test-fuzz

fuzz-build:
	@cmake -S fuzz -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz: fuzz-build
	@fuzz/run.sh fuzz $(FUZZ_BUILD) $(FUZZ_S)

test-fuzz: fuzz-build
	@fuzz/run.sh regress $(FUZZ_BUILD) $(FUZZ_TEST_S)

TEST_EXTRA  += test-fuzz
CLEAN_EXTRA += $(FUZZ_BUILD)
