#!/bin/sh
# The include-direction check of `make lint` (issue 19): every source file
# and header under DIR (default src) sits in a layer folder, and every
# #include "..." names a layer, e.g. #include "core/engine.h". A layer may
# include only itself and the layers below it:
#
#   base      base
#   core      base core
#   formats   base core formats
#   analysis  base core formats analysis
#   real      base core formats analysis real   (also real/worker, real/train)
#   cli       everything
#
# So no source outside src/cli includes a CLI header, none outside src/real
# and src/cli an emulator header, and the core nothing from formats,
# analysis or cli. Each problem is one line "FILE:LINE: problem (rule)";
# the last line counts them. Exit 0 when there are none, 1 otherwise.
# Usage: tests/lint/layers.sh [DIR]
dir=${1:-src}
dir=${dir%/}
if [ ! -d "$dir" ]; then
    echo "layers: $dir: no such directory" >&2
    exit 2
fi
find "$dir" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort |
awk -v root="$dir" '
BEGIN {
    order = "base core formats analysis real cli"
    n = split(order, names, " ")
    for (i = 1; i <= n; i++) rank[names[i]] = i
    files = 0; includes = 0; bad = 0
}
function may(from) {
    # What a layer may include, for the message.
    s = ""
    for (i = 1; i <= rank[from]; i++) s = s (i > 1 ? " " : "") names[i]
    return s
}
function report(file, line, text) {
    printf "%s:%d: %s\n", file, line, text
    bad++
}
{
    file = $0
    rel = substr(file, length(root) + 2)
    layer = rel; sub(/\/.*/, "", layer)
    files++
    if (rel !~ /\// || !(layer in rank)) {
        report(file, 1, "not in a layer folder (layers: " order ")")
        next
    }
    ln = 0
    while ((getline text < file) > 0) {
        ln++
        if (text !~ /^[ \t]*#[ \t]*include[ \t]*"/) continue
        includes++
        inc = text
        sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", inc)
        sub(/".*/, "", inc)
        to = inc; sub(/\/.*/, "", to)
        if (inc !~ /\//) {
            report(file, ln, "#include \"" inc "\" names no layer (write \"LAYER/" inc "\", e.g. \"core/" inc "\")")
            continue
        }
        if (!(to in rank)) {
            report(file, ln, "#include \"" inc "\": " to " is not a layer (layers: " order ")")
            continue
        }
        if (rank[to] > rank[layer]) {
            report(file, ln, "#include \"" inc "\": " layer " may not include " to " (" layer " may include: " may(layer) ")")
            continue
        }
        target = root "/" inc
        if ((getline probe < target) < 0)
            report(file, ln, "#include \"" inc "\": no such file " target)
        close(target)
    }
    close(file)
}
END {
    if (bad == 0)
        printf "layers: no violations (%d files, %d includes)\n", files, includes
    else
        printf "layers: %d violation%s (%d files, %d includes)\n", bad, bad == 1 ? "" : "s", files, includes
    exit bad == 0 ? 0 : 1
}'
