# Secure Boot v2 signatures (issue 14): the core declares its signature
# checks and SHA-384 (core/fk_sig.h, core/fk_hash.h) and NVS encryption's XTS
# (core/fk_xts.h); port/sig_mbedtls.c and port/xts_mbedtls.c
# provide them with mbedTLS. Key generation's random source (core/fk_random.h)
# is port/random_os.c, here for the same reason. It goes into a library the core links, like
# flashkit_hash, instead of flashkit_port (which links the core, so a static
# link would not pull it in for the core's references).
add_library(flashkit_crypto STATIC ${CMAKE_SOURCE_DIR}/port/sig_mbedtls.c ${CMAKE_SOURCE_DIR}/port/xts_mbedtls.c
            ${CMAKE_SOURCE_DIR}/port/random_os.c)
target_include_directories(flashkit_crypto PUBLIC ${CMAKE_SOURCE_DIR}/core)
target_link_libraries(flashkit_crypto PUBLIC mbedcrypto)
target_link_libraries(flashkit_core PUBLIC flashkit_crypto)

get_target_property(fk_port_src flashkit_port SOURCES)
list(REMOVE_ITEM fk_port_src ${CMAKE_SOURCE_DIR}/port/sig_mbedtls.c ${CMAKE_SOURCE_DIR}/port/xts_mbedtls.c
     ${CMAKE_SOURCE_DIR}/port/random_os.c)
set_property(TARGET flashkit_port PROPERTY SOURCES ${fk_port_src})
