#!/bin/sh
# Installs the host libraries machbox binds macOS programs to, on Debian/Ubuntu:
# LLVM libc++/libc++abi/libunwind (the same std::__1 ABI as Apple's libc++), zlib.
# Run by `./dev setup`; safe to run again. Needs root (or sudo) only when something is missing.
set -eu

PACKAGES="libc++1-16 libc++abi1-16 libunwind-16 zlib1g"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "machbox: installing host libraries:$missing" >&2
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
else
    echo "machbox: these Debian packages are needed:$missing" >&2
    echo "machbox: run as root: apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
    $SUDO apt-get update -qq >/dev/null 2>&1
    $SUDO apt-get install -y --no-install-recommends $missing >/dev/null
}
