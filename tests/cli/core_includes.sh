#!/usr/bin/env bash
# core/ is the part firmware links: its files include only each other and the
# C library headers that need no OS (no stdio, no heap, no files), and no
# file reaches itself through its #includes. ota_core_layers.sh checks the
# same by module and by call; this checks every file and every include line,
# and first proves on a planted tree that both faults are found.
source "$(dirname "$0")/lib.bash"

# C11's freestanding headers, plus string.h (memcpy/memcmp/memset: every
# compiler's freestanding runtime has them, and the lx106 and Cortex-M0
# builds link them from the toolchain).
allowed=" float.h iso646.h limits.h stdalign.h stdarg.h stdbool.h stddef.h stdint.h stdnoreturn.h string.h "

# Prints one line per fault in the tree DIR and "edges N" last; the edges
# file lists "from to" per include of a file in DIR.
check_tree() {
    local dir=$1 edges=$2 f name line kind hdr n=0
    : >"$edges"
    for f in "$dir"/*.c "$dir"/*.h; do
        [ -e "$f" ] || continue
        name=$(basename "$f")
        echo "$name $name" >>"$edges"
        while IFS=: read -r line kind hdr; do
            if [ "$kind" = q ]; then
                if [ "${hdr#*/}" != "$hdr" ] || [ ! -f "$dir/$hdr" ]; then
                    echo "core/$name:$line: includes \"$hdr\", which is not a file of core/"
                else
                    echo "$name $hdr" >>"$edges"
                    n=$((n + 1))
                fi
            elif [ "${allowed#* "$hdr" }" = "$allowed" ]; then
                echo "core/$name:$line: includes <$hdr>: core/ uses no OS or hosted C library (allowed:$allowed)"
            fi
        done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/;t q
s/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/;t a
d
:q
s/^/q:/;=;p;d
:a
s/^/a:/;=;p;d' "$f" | paste -d: - -)
    done
    # tsort names the files on a loop on stderr, one per line.
    if ! tsort "$edges" >/dev/null 2>"$edges.loop"; then
        echo "include circle through: $(grep -v 'input contains a loop' "$edges.loop" | sed 's/^tsort: //' | tr '\n' ' ')"
    fi
    rm -f "$edges.loop"
    echo "edges $n"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The detector itself: a planted circle and two outside includes are found.
mkdir "$tmp/planted"
printf '#include "b.h"\n#include <stdint.h>\n' >"$tmp/planted/a.h"
printf '#include <stdbool.h>\n#include "c.h"\n' >"$tmp/planted/b.h"
printf '/* c */\n#include "a.h"\n' >"$tmp/planted/c.h"
printf '#include "a.h"\n  #  include <stdio.h>\n#include "../port/flash_emu.h"\n' >"$tmp/planted/m.c"
out=$(check_tree "$tmp/planted" "$tmp/planted.edges")
check "planted: the circle a.h -> b.h -> c.h -> a.h is found" grep -q "include circle through: .*a.h" <<<"$out"
check "planted: <stdio.h> is refused with its line" grep -q "core/m.c:2: includes <stdio.h>" <<<"$out"
check "planted: a header outside core/ is refused with its line" grep -q 'core/m.c:3: includes "../port/flash_emu.h"' <<<"$out"
if grep -q 'includes <std\(int\|bool\).h>' <<<"$out"; then bad "planted: an allowed header was refused"; else ok; fi
check "planted: three faults, no more" test "$(grep -vc '^edges ' <<<"$out")" -eq 3

# The real core.
out=$(check_tree "$FK_SRC/core" "$tmp/core.edges")
faults=$(grep -v '^edges ' <<<"$out")
edges=$(sed -n 's/^edges //p' <<<"$out")
check "core/: the include graph was read ($edges edges)" test "${edges:-0}" -gt 50
if [ -z "$faults" ]; then
    ok
    echo "core/: $(ls "$FK_SRC"/core/*.[ch] | wc -l) files, $edges includes between them, no circle, nothing outside core/"
else
    bad "core/ includes: $faults"
fi
finish core_includes
