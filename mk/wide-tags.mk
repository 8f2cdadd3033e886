# The NVS engine built with FK_NVS_WIDE_TAGS=1 (a second hash byte per entry,
# core/nvs_fk.h): its tests run again in that build, so the option does not
# rot. Only the engine's tests are built.
WIDE_BUILD ?= build-wide-tags
WIDE_TARGETS := test_nvs_api test_nvs_recovery test_nvs_writes test_nvs_bitorder test_nvs_collide \
  test_nvs_random test_nvs_wear test_nvs_powercut test_nvs_vectors test_nvs_secure_api \
  test_nvs_secure_powercut test_nvs_secure_vectors
WIDE_TESTS := ^(test_nvs_(api|recovery|writes|bitorder|collide|random|wear|powercut|secure_api|secure_powercut|secure_vectors)|vec_nvs/|vec_nvs-real/)

.PHONY: test-wide-tags
test-wide-tags:
	@cmake -S . -B $(WIDE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS=-DFK_NVS_WIDE_TAGS=1 $(CMAKE_ARGS) >/dev/null
	@cmake --build $(WIDE_BUILD) -j $(JOBS) --target $(WIDE_TARGETS)
	ctest --test-dir $(WIDE_BUILD) --output-on-failure -j $(JOBS) -LE full -R '$(WIDE_TESTS)'

TEST_EXTRA += test-wide-tags
CLEAN_EXTRA += $(WIDE_BUILD)
