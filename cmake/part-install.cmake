# libflashkit (static + shared) for firmware developers' host tests, and the
# install rules: CLI, libraries, headers, flashkit.pc, the CMake package
# (find_package(flashkit) -> flashkit::flashkit), man page, bash completion.
# Off in sanitizer builds: nobody installs those, and the library is one more
# compile of core + port.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

if(FK_SANITIZE)
  set(fk_lib_default OFF)
else()
  set(fk_lib_default ON)
endif()
option(FK_LIBRARY "Build libflashkit and the install rules" ${fk_lib_default})

if(FK_LIBRARY)
  file(STRINGS ${CMAKE_SOURCE_DIR}/tools/cli/main.c fk_ver_line REGEX "define FLASHKIT_VERSION")
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" FK_VERSION "${fk_ver_line}")
  if(NOT FK_VERSION)
    set(FK_VERSION 0.0.0)
  endif()
  string(REGEX MATCH "^[0-9]+" FK_SOVERSION "${FK_VERSION}")

  # core + host port as the in-tree libraries have them (their source lists
  # after every part file before this one has adjusted them) ...
  set(fk_lib_src)
  foreach(t flashkit_core flashkit_hash flashkit_crypto flashkit_port)
    if(TARGET ${t})
      get_target_property(s ${t} SOURCES)
      list(APPEND fk_lib_src ${s})
    endif()
  endforeach()
  # ... plus the host-side table and NVS generators the device API builds
  # from (a partition CSV, an NVS CSV), and the public host API in lib/.
  foreach(f cli/util.c host/pyint.c host/part_csv.c host/part_gen.c host/part_builtin.c
            host/nvs_gen.c host/nvs_gen_items.c host/nvs_gen_values.c host/nvs_csv.c)
    list(APPEND fk_lib_src ${CMAKE_SOURCE_DIR}/tools/${f})
  endforeach()
  file(GLOB fk_lib_own CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/lib/*.c)
  list(APPEND fk_lib_src ${fk_lib_own})
  list(REMOVE_DUPLICATES fk_lib_src)

  # One position-independent compile serves both the .so and the .a.
  add_library(flashkit_lib_obj OBJECT ${fk_lib_src})
  set_target_properties(flashkit_lib_obj PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_definitions(flashkit_lib_obj PRIVATE _GNU_SOURCE)
  target_include_directories(flashkit_lib_obj PRIVATE
    ${CMAKE_SOURCE_DIR}/lib ${CMAKE_SOURCE_DIR}/core ${CMAKE_SOURCE_DIR}/port
    ${CMAKE_SOURCE_DIR}/tools/cli ${CMAKE_SOURCE_DIR}/tools/host ${CURL_INCLUDE_DIRS})

  # Definitions that size structures in the public headers (FK_PARTITION_MAX
  # sets fk_ptable_t) must be the same for the library and its users.
  get_directory_property(fk_dir_defs COMPILE_DEFINITIONS)
  set(fk_iface_defs)
  set(fk_pc_cflags)
  foreach(d ${fk_dir_defs})
    if(d MATCHES "^FK_PARTITION_MAX=")
      list(APPEND fk_iface_defs ${d})
      string(APPEND fk_pc_cflags " -D${d}")
    endif()
  endforeach()
  set(fk_pub_inc ${CMAKE_INSTALL_INCLUDEDIR}/flashkit)

  add_library(flashkit_shared SHARED $<TARGET_OBJECTS:flashkit_lib_obj>)
  add_library(flashkit_static STATIC $<TARGET_OBJECTS:flashkit_lib_obj>)
  set_target_properties(flashkit_shared PROPERTIES OUTPUT_NAME flashkit EXPORT_NAME flashkit
    VERSION ${FK_VERSION} SOVERSION ${FK_SOVERSION})
  set_target_properties(flashkit_static PROPERTIES OUTPUT_NAME flashkit EXPORT_NAME flashkit_static)
  # No -Wl,--no-undefined: a helper someone adds to a tools/ file this
  # library takes would then stop every build; test-install's links against
  # the installed library catch a missing symbol instead.
  foreach(t flashkit_shared flashkit_static)
    target_link_libraries(${t} PUBLIC mbedcrypto ${CMAKE_DL_LIBS})
    target_compile_definitions(${t} INTERFACE ${fk_iface_defs})
    target_include_directories(${t} INTERFACE
      $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/core>
      $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/lib>
      $<INSTALL_INTERFACE:${fk_pub_inc}>)
  endforeach()

  # Public headers: every core header but the private ones (the ESP-IDF names
  # include fk_* headers; docs/library.md says which are internal), and lib/'s.
  file(GLOB fk_core_hdr ${CMAKE_SOURCE_DIR}/core/*.h)
  list(FILTER fk_core_hdr EXCLUDE REGEX "_priv\\.h$")
  file(GLOB fk_lib_hdr ${CMAKE_SOURCE_DIR}/lib/*.h)
  file(GLOB fk_lib_ns_hdr ${CMAKE_SOURCE_DIR}/lib/flashkit/*.h)
  install(FILES ${fk_core_hdr} ${fk_lib_hdr} DESTINATION ${fk_pub_inc})
  install(FILES ${fk_lib_ns_hdr} DESTINATION ${fk_pub_inc}/flashkit)

  install(TARGETS flashkit RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(TARGETS flashkit_shared flashkit_static EXPORT flashkitTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set(fk_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/flashkit)
  install(EXPORT flashkitTargets NAMESPACE flashkit:: DESTINATION ${fk_cmake_dir})
  configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/flashkitConfig.cmake.in
    ${CMAKE_BINARY_DIR}/flashkitConfig.cmake INSTALL_DESTINATION ${fk_cmake_dir})
  write_basic_package_version_file(${CMAKE_BINARY_DIR}/flashkitConfigVersion.cmake
    VERSION ${FK_VERSION} COMPATIBILITY SameMajorVersion)
  install(FILES ${CMAKE_BINARY_DIR}/flashkitConfig.cmake ${CMAKE_BINARY_DIR}/flashkitConfigVersion.cmake
    DESTINATION ${fk_cmake_dir})

  # flashkit.pc is written at install time so `cmake --install --prefix P`
  # gets P in it, not the configured prefix.
  set(FK_PC_LIBDIR ${CMAKE_INSTALL_LIBDIR})
  set(FK_PC_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
  set(FK_PC_CFLAGS "${fk_pc_cflags}")
  configure_file(${CMAKE_SOURCE_DIR}/cmake/flashkit.pc.in ${CMAKE_BINARY_DIR}/flashkit.pc.tmpl @ONLY)
  install(CODE "
    file(READ \"${CMAKE_BINARY_DIR}/flashkit.pc.tmpl\" pc)
    string(REPLACE \"%PREFIX%\" \"\${CMAKE_INSTALL_PREFIX}\" pc \"\${pc}\")
    file(WRITE \"${CMAKE_BINARY_DIR}/flashkit.pc\" \"\${pc}\")")
  install(FILES ${CMAKE_BINARY_DIR}/flashkit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

  # Man page from the CLI's own --help (help2man), so it cannot drift.
  find_program(FK_HELP2MAN help2man)
  if(FK_HELP2MAN)
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/flashkit.1
      COMMAND sh ${CMAKE_SOURCE_DIR}/tools/completion/gen-man.sh ${FK_HELP2MAN} $<TARGET_FILE:flashkit>
              ${CMAKE_BINARY_DIR}/flashkit.1
      DEPENDS flashkit ${CMAKE_SOURCE_DIR}/tools/completion/gen-man.sh
      COMMENT "help2man: flashkit.1")
    add_custom_target(flashkit_man ALL DEPENDS ${CMAKE_BINARY_DIR}/flashkit.1)
    install(FILES ${CMAKE_BINARY_DIR}/flashkit.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  else()
    message(STATUS "help2man not found (scripts/deps.sh installs it): no man page")
  endif()
  # What `make install` builds: only what it installs, so a test or bench
  # being edited elsewhere cannot stop an install.
  add_custom_target(flashkit_installed DEPENDS flashkit flashkit_shared flashkit_static)
  if(TARGET flashkit_man)
    add_dependencies(flashkit_installed flashkit_man)
  endif()
  install(FILES ${CMAKE_SOURCE_DIR}/tools/completion/flashkit.bash
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME flashkit)

  # `make uninstall`: what the last install wrote, from CMake's own manifest.
  if(NOT TARGET uninstall)
    add_custom_target(uninstall
      COMMAND ${CMAKE_COMMAND} -DMANIFEST=${CMAKE_BINARY_DIR}/install_manifest.txt
              -P ${CMAKE_SOURCE_DIR}/cmake/flashkit-uninstall.cmake
      COMMENT "uninstall flashkit")
  endif()
endif()
