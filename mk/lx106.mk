# The core's unit tests on the ESP8266's CPU (Xtensa lx106) under QEMU:
# tests/target is a cross project of its own (cmake/toolchain-lx106.cmake),
# one ctest per test program, labelled lx106 (and lx106-80k for the runs in
# the chip's 80 KiB of data RAM). `make test` runs it last; alone:
#   make test-lx106                       every target test
#   ctest --test-dir build-lx106-target -L lx106-80k
#   ctest --test-dir build-lx106-target -R lx106/test_otadata_vectors
# LX106_CTEST_ARGS adds ctest options (make test-lx106 LX106_CTEST_ARGS='-R otadata').
# Figures (stack high-water marks measured under QEMU) go to
# $(LX106_BUILD)/stack-hwm.txt, which `make lx106` prints with the sizes.
LX106_BUILD ?= build-lx106-target
LX106_CTEST_ARGS ?=

.PHONY: test-lx106 lx106-target

lx106-target:
	@cmake -S tests/target -B $(LX106_BUILD) -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/toolchain-lx106.cmake >/dev/null
	@cmake --build $(LX106_BUILD) -j $(JOBS)

test-lx106: deps lx106-target
	ctest --test-dir $(LX106_BUILD) --output-on-failure -j $(JOBS) -L lx106 $(LX106_CTEST_ARGS)
	@tests/target/stack-hwm.sh $(LX106_BUILD)

TEST_EXTRA  += test-lx106
CLEAN_EXTRA += $(LX106_BUILD)
