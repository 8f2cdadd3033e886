# The ESP8266's CPU (Xtensa lx106) with Debian's gcc-xtensa-lx106 and
# picolibc. Used by tests/target (the core's tests run under QEMU).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR xtensa)
set(CMAKE_C_COMPILER xtensa-lx106-elf-gcc)
set(CMAKE_ASM_COMPILER xtensa-lx106-elf-gcc)
set(CMAKE_AR xtensa-lx106-elf-ar)
set(CMAKE_RANLIB xtensa-lx106-elf-ranlib)
set(CMAKE_SIZE xtensa-lx106-elf-size)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(FK_PICOLIBC_SPECS /usr/lib/xtensa-lx106-elf/picolibc.specs)
set(CMAKE_C_FLAGS_INIT
    "-Os -mlongcalls -mtext-section-literals -ffunction-sections -fdata-sections --specs=${FK_PICOLIBC_SPECS}")
set(CMAKE_ASM_FLAGS_INIT "-mlongcalls -mtext-section-literals")
# CMake links with the C flags, which carry the specs already.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles -Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
