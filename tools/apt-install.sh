#!/bin/sh
# tools/apt-install.sh PKG...: the one way the Makefile installs Debian
# packages (build libraries, gnuplot, linters, Open MPI, clang, valgrind,
# npm). The caller has already found something missing; this installs
# those of PKG... that dpkg does not list as installed.
#
# As root with apt-get: prints "installing: PKGS (as root, with apt-get)",
# runs apt-get install -y --no-install-recommends (apt-get update first
# only when the package lists do not know a package, or the install fails
# for want of an update), quietly; apt's output is shown only on failure.
# Otherwise: prints the one command that installs them and exits 1.
# APT_GET overrides the apt-get command (e.g. APT_GET="apt-get -s" to try
# this script without installing anything).
set -u
APT_GET=${APT_GET:-apt-get}

missing=
for p in "$@"; do
    if command -v dpkg-query >/dev/null 2>&1 &&
       [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ]; then
        continue
    fi
    missing="$missing${missing:+ }$p"
done
if [ -z "$missing" ]; then
    # Installed, yet the caller's check failed: apt cannot help.
    echo "apt-install: $* already installed, but the check before this failed" >&2
    exit 1
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "missing: $missing; install with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends $missing" >&2
    exit 1
fi

echo "installing: $missing (as root, with apt-get)"
count() { dpkg-query -W -f='${db:Status-Abbrev}\n' 2>/dev/null | grep -c '^ii'; }
before=$(count)
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/apt-install.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086 # word splitting of the package list is wanted
install() { $APT_GET install -y -qq --no-install-recommends $missing >>"$log" 2>&1; }
# shellcheck disable=SC2086
if ! apt-cache show --no-all-versions $missing >/dev/null 2>&1; then
    echo "installing: apt-get update (the package lists do not know all of: $missing)"
    $APT_GET update -qq >>"$log" 2>&1
fi
if ! install; then
    echo "installing: apt-get update, then again (the first attempt failed)"
    if ! { $APT_GET update -qq >>"$log" 2>&1 && install; }; then
        echo "apt-get could not install: $missing; its output:" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
fi
echo "installed: $missing ($(($(count) - before)) packages with their dependencies)"
