#!/bin/sh
# tutorial-figures.sh: redraw the figures docs/tutorial.md shows (docs/tutorial/*.png)
# from the page's own commands, small enough to commit (640x400, well under 60 KB each).
#
#   tools/tutorial-figures.sh [LAMBDASIM]    (default: build/lambdasim; run `make` first)
#
# It runs every command of the page's ```sh blocks, answers included, from the top of the
# source tree with LAMBDASIM's directory first on PATH, exactly as tests/test_tutorial.c does,
# but with LAMBDASIM_PLOTS_DIR pointing at a copy of plots/*.gp restyled for a small figure
# (size and fonts only). Then it copies each figure the page shows, ![...](tutorial/NAME.png),
# from plots/out/tutorial/NAME.png (where the page's commands draw it) to docs/tutorial/NAME.png.
# The full-size figures in plots/out/tutorial/ are overwritten by small ones: run the
# tutorial's commands again for full-size ones. Needs gnuplot. Exit 0 done, 1 failed.
set -eu

cd "$(dirname "$0")/.."
bin=${1:-build/lambdasim}
page=docs/tutorial.md
if [ ! -x "$bin" ]; then
    echo "tutorial-figures.sh: $bin: no such program (run make first, or name the binary)" >&2
    exit 1
fi
bindir=$(cd "$(dirname "$bin")" && pwd)

style=$(mktemp -d "${TMPDIR:-/tmp}/tutorial-figures.XXXXXX")
trap 'rm -rf "$style"' EXIT INT TERM
cp plots/*.gp "$style/"
# Small figures: 640x400 and fonts scaled to about 0.7 (9 -> 7 runs first, so that
# 13 -> 9 is not scaled twice).
sed -i -e 's/size 1200,700 noenhanced font "DejaVu Sans,12" linewidth 1.4/size 640,400 noenhanced font "DejaVu Sans,9" linewidth 1.0/' \
    -e 's/font ",9"/font ",7"/g' -e 's/font ",10"/font ",7"/g' -e 's/font ",12"/font ",8"/g' \
    -e 's/font ",13"/font ",9"/g' -e 's/font ",16"/font ",11"/g' "$style"/*.gp
# The timeline's two-row legend needs a little more room at the bottom.
sed -i -e 's/^set bmargin 6$/set bmargin 7/' \
    -e 's/^set key at screen 0.5, screen 0.035 center horizontal$/set key at screen 0.5, screen 0.055 center horizontal/' \
    "$style/timeline.gp"
if ! grep -q 'size 640,400' "$style/common.gp" || ! grep -q 'screen 0.055' "$style/timeline.gp"; then
    echo "tutorial-figures.sh: plots/common.gp or plots/timeline.gp changed; update the restyling in $0" >&2
    exit 1
fi

mkdir -p plots/out/tutorial docs/tutorial
n=0
awk '/^```sh$/ { on = 1; next } /^```/ { on = 0 } on && !/^[ \t]*(#|$)/' "$page" > "$style/commands"
while IFS= read -r cmd; do
    n=$((n + 1))
    if ! (PATH="$bindir:$PATH" LAMBDASIM_PLOTS_DIR="$style" sh -c "$cmd") > "$style/out" 2>&1; then
        echo "tutorial-figures.sh: command $n failed: $cmd" >&2
        cat "$style/out" >&2
        exit 1
    fi
done < "$style/commands"

shown=$(grep -o '](tutorial/[A-Za-z0-9._-]*\.png)' "$page" | sed 's/^](tutorial\///; s/)$//')
[ -n "$shown" ] || { echo "tutorial-figures.sh: $page shows no figure" >&2; exit 1; }
for name in $shown; do
    if [ ! -f "plots/out/tutorial/$name" ]; then
        echo "tutorial-figures.sh: $page shows tutorial/$name, but none of its commands draws plots/out/tutorial/$name" >&2
        exit 1
    fi
    cp "plots/out/tutorial/$name" "docs/tutorial/$name"
    echo "docs/tutorial/$name  $(wc -c < "docs/tutorial/$name") bytes"
done
echo "$n commands run; $(echo "$shown" | wc -l) figures in docs/tutorial/"
