#!/usr/bin/env bash
# An installed flashkit as its users get it: install BUILD into a temporary
# prefix (and once more under a DESTDIR), check what is there, then build and
# run EXAMPLE copied out of the tree with nothing but the installed files -
# by pkg-config (its Makefile), by find_package (its CMakeLists.txt, shared
# and static) - and uninstall.
# usage: mk/test-install.sh BUILD EXAMPLE
set -euo pipefail
build=$(cd "$1" && pwd)
example=$(cd "$2" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/flashkit-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "test-install: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name flashkit.pc)
[ -n "$pc" ] || fail "no flashkit.pc under $prefix"
libdir=$(dirname "$(dirname "$pc")")
for f in bin/flashkit include/flashkit/esp_partition.h include/flashkit/nvs_flash.h include/flashkit/nvs.h \
    include/flashkit/esp_ota_ops.h include/flashkit/esp_err.h include/flashkit/esp_http_client.h \
    include/flashkit/flashkit/host.h share/man/man1/flashkit.1 share/bash-completion/completions/flashkit; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
for f in libflashkit.a libflashkit.so cmake/flashkit/flashkitConfig.cmake cmake/flashkit/flashkitConfigVersion.cmake; do
    [ -e "$libdir/$f" ] || fail "not installed: ${libdir#"$prefix"/}/$f"
done
installed=$(find "$prefix" -type f -o -type l | wc -l)
"$prefix/bin/flashkit" --version >/dev/null || fail "installed CLI does not run"
grep -q '^\.TH FLASHKIT "1"' "$prefix/share/man/man1/flashkit.1" || fail "man page has no .TH header"
grep -q 'flashkit device' "$prefix/share/man/man1/flashkit.1" || fail "man page lacks the command sections"
cflags=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags flashkit)
[[ $cflags == *"-I$prefix/include/flashkit"* ]] || fail "pkg-config --cflags: $cflags"

# every installed header on its own as C11 (each must be self-contained),
# all of them together as C++, with only the include path pkg-config gives
: >"$tmp/all.cpp"
for h in "$prefix"/include/flashkit/*.h "$prefix"/include/flashkit/flashkit/*.h; do
    rel=${h#"$prefix/include/flashkit/"}
    printf '#include <%s>\n' "$rel" >"$tmp/h.c"
    printf '#include <%s>\n' "$rel" >>"$tmp/all.cpp"
    cc -std=c11 -Wall -Wextra -Werror -fsyntax-only $cflags "$tmp/h.c" || fail "$rel does not compile as C11"
    grep -q '__cplusplus' "$h" || fail "$rel has no extern \"C\" guard"
done
c++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only $cflags "$tmp/all.cpp" || fail "the headers do not compile as C++"

# bash completion against the installed CLI
(
    PATH=$prefix/bin:$PATH
    # shellcheck disable=SC1091
    source "$prefix/share/bash-completion/completions/flashkit"
    comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _flashkit; echo "${COMPREPLY[*]}"; }
    has() { [[ " $1 " == *" $2 "* ]] || fail "completion of '$3' offers '$1', not $2"; }
    has "$(comp flashkit par)" partition "flashkit par"
    has "$(comp flashkit nvs "")" gen "flashkit nvs "
    has "$(comp flashkit nvs "")" dump "flashkit nvs "
    has "$(comp flashkit device create --ta)" --table "flashkit device create --ta"
)

# the example, copied out of the tree (no build outputs of earlier runs)
copy=$tmp/host-test
mkdir "$copy"
(cd "$example" && tar --exclude='build*' -cf - .) | tar -C "$copy" -xf -
echo "test-install: examples/host-test by pkg-config"
make -s -C "$copy" PKG_CONFIG_PATH="$libdir/pkgconfig" check
echo "test-install: examples/host-test by pkg-config, ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1 make -s -C "$copy" PKG_CONFIG_PATH="$libdir/pkgconfig" SANITIZE=1 check
for kind in shared static; do
    echo "test-install: examples/host-test by find_package(flashkit), $kind"
    b=$copy/build-cmake-$kind
    opt=OFF
    [ $kind = static ] && opt=ON
    cmake -S "$copy" -B "$b" -DCMAKE_PREFIX_PATH="$prefix" -DHOST_TEST_STATIC=$opt >/dev/null
    cmake --build "$b" -j 2 >/dev/null
    # the static link once more through every test but the OTA sweep, which
    # the shared runs already cover
    filter=()
    [ $kind = static ] && filter=(-E test_ota)
    ctest --test-dir "$b" --output-on-failure "${filter[@]}" | tail -n 3
done

# DESTDIR: files land under it, while flashkit.pc names the real prefix
stage=$tmp/stage
DESTDIR=$stage cmake --install "$build" --prefix /opt/flashkit >/dev/null
grep -qx 'prefix=/opt/flashkit' "$(find "$stage" -name flashkit.pc)" || fail "DESTDIR install: flashkit.pc prefix"
DESTDIR=$stage cmake -DMANIFEST="$build/install_manifest.txt" -P "$src/cmake/flashkit-uninstall.cmake" >/dev/null
left=$(find "$stage" -type f -o -type l | wc -l)
[ "$left" -eq 0 ] || fail "uninstall left $left files under $stage"
echo "test-install: $installed files installed; pkg-config and find_package builds pass; uninstall clean"
