#!/bin/sh
# tools/lambda-bundle.sh BINARY WEIGHTS OUT.zip: the deployment package of
# the MNIST custom runtime for AWS Lambda's OS-only runtime (provided.al2023,
# x86_64), and a function directory for `lambdasim serve` once unzipped.
#
# Debian has no static libraries for several of libcurl's dependencies
# (GSSAPI, LDAP, RTMP, SSH2, PSL, nghttp2), so the binary cannot be linked
# -static here. The package carries it with every shared library it loads,
# the C library and its dynamic loader included, and a `bootstrap` script
# that starts it through that loader with only those libraries: nothing is
# taken from the system it lands on except the kernel and /bin/sh, so a
# binary built against Debian 12's glibc 2.36 runs on Amazon Linux 2023's
# 2.34. Layout:
#
#   bootstrap           sh script (Lambda runs it: the custom runtime contract)
#   mnist-bootstrap     the runtime itself
#   mnist-cnn.bin       the weights (found through $LAMBDA_TASK_ROOT)
#   lib/                ld-linux-x86-64.so.2, libc.so.6, libcurl.so.4, ...
#
# Reproducible: files sorted, every time stamp 2000-01-01, no extra fields
# (zip -X), so the same inputs give the same bytes. OUT.zip is written whole
# or not at all (a temporary name, then a rename). Exit 2 on a bad
# argument, 1 when a tool fails.
set -eu
if [ $# -ne 3 ]; then
    echo "usage: tools/lambda-bundle.sh BINARY WEIGHTS OUT.zip" >&2
    exit 2
fi
bin=$1 weights=$2 out=$3
for f in "$bin" "$weights"; do
    if [ ! -f "$f" ]; then
        echo "lambda-bundle: $f: no such file" >&2
        exit 2
    fi
done
for tool in ldd zip; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "lambda-bundle: '$tool' is missing: apt-get install $( [ "$tool" = zip ] && echo zip || echo libc-bin )" >&2
        exit 1
    fi
done
stage=$(mktemp -d "${TMPDIR:-/tmp}/lambda-bundle.XXXXXX")
tmp="$out.tmp.$$"
trap 'rm -rf "$stage" "$tmp"' EXIT INT TERM
mkdir "$stage/lib"
cp "$bin" "$stage/mnist-bootstrap"
cp "$weights" "$stage/mnist-cnn.bin"
# Every library the loader resolves ("name => /path (addr)") and the
# loader itself ("/lib64/ld-linux-x86-64.so.2 (addr)"), copied under the
# name the binary asks for (cp follows the symlinks).
ldd "$bin" | while read -r name arrow path rest; do
    case "$arrow" in
    "=>")
        if [ ! -f "$path" ]; then
            echo "lambda-bundle: $bin needs $name, which is not found" >&2
            exit 1
        fi
        cp -L "$path" "$stage/lib/$name" ;;
    *)
        case "$name" in
        */ld-linux*) cp -L "$name" "$stage/lib/$(basename "$name")" ;;
        esac ;;
    esac
done
loader=$(cd "$stage/lib" && ls ld-linux* 2>/dev/null | head -n 1)
if [ -z "$loader" ]; then
    echo "lambda-bundle: ldd named no dynamic loader for $bin (a static binary needs no bundle)" >&2
    exit 1
fi
cat > "$stage/bootstrap" <<EOF
#!/bin/sh
# Lambda runs this (custom runtime). The runtime starts through the
# packaged loader with the packaged libraries only (tools/lambda-bundle.sh).
root=\${LAMBDA_TASK_ROOT:-\$(dirname "\$0")}
exec "\$root/lib/$loader" --library-path "\$root/lib" "\$root/mnist-bootstrap" "\$@"
EOF
chmod 755 "$stage/bootstrap" "$stage/mnist-bootstrap" "$stage/lib/$loader"
chmod 644 "$stage/mnist-cnn.bin"
find "$stage" -exec touch -h -d 2000-01-01T00:00:00Z {} +
rm -f "$tmp"
case "$tmp" in /*) abs=$tmp ;; *) abs=$(pwd)/$tmp ;; esac
(cd "$stage" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | zip -q -X -@ "$abs")
mv -f "$tmp" "$out"
echo "lambda-bundle: wrote $out ($(wc -c < "$out") bytes, $(ls "$stage/lib" | wc -l) libraries)"
