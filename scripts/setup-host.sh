#!/bin/sh
# Installs the host libraries machbox binds macOS programs to, on Debian/Ubuntu:
# LLVM libc++/libc++abi/libunwind (the same std::__1 ABI as Apple's libc++) and zlib.
# Run by `./dev setup`; safe to run again. Needs root (or sudo) only when something is missing.
set -eu

# The shared objects machbox opens, and how to tell whether the host already has them.
has_lib() { ldconfig -p 2>/dev/null | grep -q "^[[:space:]]*$1 "; }

missing_libs=""
for lib in libc++.so.1 libc++abi.so.1 libunwind.so.1 libz.so.1; do
    has_lib "$lib" || missing_libs="$missing_libs $lib"
done
# ICU (Apple's libicucore) carries its major version in the soname: any will do.
need_icu=""
ldconfig -p 2>/dev/null | grep -q "^[[:space:]]*libicuuc\.so\.[0-9]* " || need_icu=yes
[ -n "$need_icu" ] && missing_libs="$missing_libs libicuuc.so.N"
# OpenSSL's libcrypto, which Security's trust evaluation (SecTrust) is built on
need_ssl=""
has_lib libcrypto.so.3 || need_ssl=yes
[ -n "$need_ssl" ] && missing_libs="$missing_libs libcrypto.so.3"
# gdb and lldb, which `machbox debug` attaches (optional: only that command needs them)
need_gdb=""
command -v gdb >/dev/null 2>&1 || need_gdb=yes
[ -n "$need_gdb" ] && missing_libs="$missing_libs gdb"
need_lldb=""
command -v lldb >/dev/null 2>&1 || need_lldb=yes
[ -n "$need_lldb" ] && missing_libs="$missing_libs lldb"
# hdiutil's test oracles (optional: only the disk image tests use them): 7-Zip and dmg2img
# read the DMGs machbox writes, xorriso writes HFS+ images and apfsprogs' mkapfs APFS ones
# that machbox reads; libfuse2 lets
# hdiutil attach mount through FUSE (fusepy) instead of extracting
for tool in 7zz:7zip dmg2img:dmg2img xorriso:xorriso mkapfs:apfsprogs; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${tool%%:*}" ] ||
        missing_libs="$missing_libs ${tool#*:}"
done
has_lib libfuse.so.2 || missing_libs="$missing_libs libfuse2"
# the CA store Security's trust settings are answered from
need_ca=""
[ -r /etc/ssl/certs/ca-certificates.crt ] || [ -r /etc/pki/tls/certs/ca-bundle.crt ] || need_ca=yes
[ -n "$need_ca" ] && missing_libs="$missing_libs ca-bundle"
# Tools the package and otool tests read packages and binaries with, as oracles independent
# of machbox (libarchive's bsdtar, GNU cpio, LLVM's llvm-otool/llvm-nm; 7-Zip comes with
# hdiutil's above): optional, installed one by one so that one a distribution lacks fails
# nothing.
optional_tools=""
command -v bsdtar >/dev/null 2>&1 || optional_tools="$optional_tools libarchive-tools"
command -v cpio >/dev/null 2>&1 || optional_tools="$optional_tools cpio"
ls /usr/bin/llvm-otool* >/dev/null 2>&1 || optional_tools="$optional_tools llvm"
if [ -n "$optional_tools" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    for tool in $optional_tools; do
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$tool" \
            >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$tool" \
                >/dev/null 2>&1; } || echo "machbox: note: not installed (optional): $tool" >&2
    done
fi
[ -z "$missing_libs" ] && exit 0
# what only some features need (ICU, libcrypto, the CA bundle, gdb): without a way to
# install it, machbox still works and says so
required=""
for lib in $missing_libs; do
    case "$lib" in libicuuc.so.N|libcrypto.so.3|ca-bundle|gdb|lldb|7zip|dmg2img|xorriso|apfsprogs|libfuse2) ;;
        *) required="$required $lib" ;; esac
done
optional_only() {
    [ -z "$required" ] || return 1
    echo "machbox: note: not installed (optional):$missing_libs" >&2
    exit 0
}

if ! command -v apt-get >/dev/null 2>&1; then
    optional_only
    echo "machbox: missing host libraries:$missing_libs" >&2
    echo "machbox: install LLVM's libc++, libc++abi and libunwind and zlib with your package manager" >&2
    exit 1
fi

if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
else
    optional_only
    echo "machbox: missing host libraries:$missing_libs" >&2
    echo "machbox: run as root: sh scripts/setup-host.sh (it uses apt-get)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# LLVM's runtime packages carry the LLVM version in their names (libc++1-16, libunwind-16);
# take the newest version that has all three, refreshing the package lists if none is known.
llvm_version() {
    apt-cache search --names-only '^libunwind-[0-9]+$' 2>/dev/null | sed -n 's/^libunwind-\([0-9]*\) .*/\1/p' \
        | sort -rn | while read -r v; do
            if apt-cache show "libc++1-$v" "libc++abi1-$v" >/dev/null 2>&1; then
                echo "$v"
                break
            fi
        done
}
v=$(llvm_version)
if [ -z "$v" ]; then
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    v=$(llvm_version)
fi
if [ -z "$v" ]; then
    echo "machbox: apt knows no libc++1-N/libc++abi1-N/libunwind-N packages to install" >&2
    exit 1
fi
packages="libc++1-$v libc++abi1-$v libunwind-$v zlib1g"
[ -n "$need_ca" ] && packages="$packages ca-certificates"
[ -n "$need_gdb" ] && packages="$packages gdb"
[ -n "$need_lldb" ] && packages="$packages lldb"
optional_tools=""
for tool in 7zip dmg2img xorriso apfsprogs libfuse2; do
    case " $missing_libs " in *" $tool "*) optional_tools="$optional_tools $tool" ;; esac
done
if [ -n "$need_ssl" ]; then
    # Ubuntu 24.04 renamed libssl3 for the 64-bit time_t transition
    ssl=$(apt-cache search --names-only '^libssl3(t64)?$' 2>/dev/null | cut -d' ' -f1 | sort | tail -1)
    [ -n "$ssl" ] && packages="$packages $ssl"
fi
if [ -n "$need_icu" ]; then
    icu=$(apt-cache search --names-only '^libicu[0-9]+$' 2>/dev/null | cut -d' ' -f1 | sort -V | tail -1)
    [ -n "$icu" ] && packages="$packages $icu"
fi
echo "machbox: installing host libraries: $packages" >&2
$SUDO apt-get install -y --no-install-recommends $packages >/dev/null 2>&1 || {
    $SUDO apt-get update -qq >/dev/null 2>&1
    $SUDO apt-get install -y --no-install-recommends $packages >/dev/null
}
# the optional test tools one at a time, after the rest: one missing from this release's
# archive (7zip is Debian 12's 7-Zip) must not stop the others
for tool in $optional_tools; do
    $SUDO apt-get install -y --no-install-recommends "$tool" >/dev/null 2>&1 || {
        $SUDO apt-get update -qq >/dev/null 2>&1
        $SUDO apt-get install -y --no-install-recommends "$tool" >/dev/null 2>&1
    } || echo "machbox: note: not installed (optional): $tool" >&2
done
for lib in $missing_libs; do
    case "$lib" in 7zip|dmg2img|xorriso|apfsprogs|libfuse2) continue ;; esac
    [ "$lib" = libicuuc.so.N ] && continue  # optional: without it libicucore calls stop
    [ "$lib" = ca-bundle ] && continue
    [ "$lib" = gdb ] && continue
    [ "$lib" = lldb ] && continue
    [ "$lib" = libcrypto.so.3 ] && continue  # optional: without it SecTrust evaluations fail
    has_lib "$lib" || { echo "machbox: $lib is still missing after installing $packages" >&2; exit 1; }
done
