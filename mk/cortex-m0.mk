# The core compiled for an ARM Cortex-M0 (Thumb-1, -Os, warnings are errors):
# a second, unrelated target proves the core is portable C, not lx106 C.
# Compile only; `make test` runs it.
M0_BUILD ?= build-cortex-m0

.PHONY: cortex-m0

cortex-m0: deps
	@scripts/cortex-m0-build.sh $(M0_BUILD)

TEST_EXTRA  += cortex-m0
CLEAN_EXTRA += $(M0_BUILD)
