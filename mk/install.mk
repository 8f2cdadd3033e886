# make install [PREFIX=/usr/local] [DESTDIR=], make uninstall, and
# test-install (run by `make test`): install into a temporary prefix, then
# build and run examples/host-test copied out of the tree, by pkg-config and
# by find_package(flashkit).
PREFIX  ?= /usr/local
DESTDIR ?=
FK_MANIFEST = $(BUILD)/flashkit-installed.txt

.PHONY: install uninstall test-install

# Builds only what is installed (not the tests and benchmarks). The library
# and its install rules are on by default; said again in case this build
# directory was configured without them.
install:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFK_LIBRARY=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target flashkit_installed
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(abspath $(PREFIX))"
	@cp $(BUILD)/install_manifest.txt $(FK_MANIFEST)

# Removes what the last `make install` from this build directory wrote.
uninstall:
	@DESTDIR="$(DESTDIR)" cmake -DMANIFEST=$(FK_MANIFEST) -P cmake/flashkit-uninstall.cmake

test-install: build
	@cmake --build $(BUILD) -j $(JOBS) --target flashkit_installed
	@mk/test-install.sh $(BUILD) examples/host-test

TEST_EXTRA += test-install
