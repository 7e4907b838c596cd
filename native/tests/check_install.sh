#!/bin/bash
# What `make install` gives a user: installs libkucomms into a scratch
# DESTDIR as a distribution would (PREFIX=/usr, a multiarch LIBDIR), then
# builds tests/install/echo_roundtrip.c and .cpp with nothing but
# `pkg-config --cflags --libs kucomms` (through PKG_CONFIG_SYSROOT_DIR, as a
# cross or staged build finds it) and runs them: dynamically linked, which
# needs the SONAME link, and statically linked (pkg-config --static).
# Prints one "ok - ..." or "not ok - ...: why" line per check; exits 1 when
# any failed.
set -u

native_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dest=$scratch/dest
libdir=/usr/lib/$(gcc -print-multiarch)
failed=0

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	failed=1
}

if ! make -s -C "$native_dir" install DESTDIR="$dest" PREFIX=/usr LIBDIR="$libdir" \
	>"$scratch/install.log" 2>&1; then
	not_ok "make install DESTDIR PREFIX=/usr: $(tail -n 3 "$scratch/install.log" | tr '\n' ' ')"
	echo "1 failed" >&2
	exit 1
fi

version=$(cat "$native_dir/../kernel/VERSION")
want=(
	"$libdir/libkucomms.so.$version" "$libdir/libkucomms.so.0" "$libdir/libkucomms.so"
	"$libdir/libkucomms.a" "$libdir/pkgconfig/kucomms.pc"
	/usr/include/kucomms/kucomms.h /usr/include/kucomms/kucomms.hpp
	/usr/include/kucomms/uapi/linux/kucomms.h
)
missing=()
for file in "${want[@]}"; do
	[ -e "$dest$file" ] || missing+=("$file")
done
soname=$(objdump -p "$dest$libdir/libkucomms.so.$version" 2>/dev/null | awk '/SONAME/ { print $2 }')
if [ ${#missing[@]} -gt 0 ]; then
	not_ok "make install puts the library, its links, headers and kucomms.pc in place: missing ${missing[*]}"
elif [ "$(readlink "$dest$libdir/libkucomms.so.0")" != "libkucomms.so.$version" ] ||
     [ "$(readlink "$dest$libdir/libkucomms.so")" != libkucomms.so.0 ] || [ "$soname" != libkucomms.so.0 ]; then
	not_ok "SONAME links: expected libkucomms.so -> libkucomms.so.0 -> libkucomms.so.$version" \
		"and SONAME libkucomms.so.0, got $(readlink "$dest$libdir/libkucomms.so") ->" \
		"$(readlink "$dest$libdir/libkucomms.so.0"), SONAME $soname"
elif [ -n "$(find "$dest" -path '*/include/linux*')" ]; then
	not_ok "the uapi header must stay out of include/linux: $(find "$dest" -path '*/include/linux*')"
else
	ok "make install: library $version with SONAME libkucomms.so.0 and its links, static library, headers, kucomms.pc"
fi

export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$dest$libdir/pkgconfig
# build NAME COMPILER SOURCE [--static]: compile with pkg-config's flags only.
build() {
	local name=$1 compiler=$2 source=$3 static=${4:-} flags

	flags=$(pkg-config --cflags --libs $static kucomms) || return 1
	# shellcheck disable=SC2086 # pkg-config's output is a list of words
	$compiler -Wall -Wextra -Werror ${static:+-static} -o "$scratch/$name" \
		"$native_dir/tests/install/$source" $flags >"$scratch/$name.log" 2>&1
}

# check NAME COMPILER SOURCE [--static]
check() {
	local name=$1 how out

	how="$2 ${3##*.} program built with pkg-config --cflags --libs ${4:+--static }kucomms"
	if ! build "$@"; then
		not_ok "$how: does not build: $(tail -n 4 "$scratch/$name.log" | tr '\n' ' ')"
		return
	fi
	out=$(LD_LIBRARY_PATH=$dest$libdir timeout 60 "$scratch/$name" 2>&1)
	if [ "$out" = "echoed type=7 id=42 user_value=1234" ]; then
		ok "$how runs and gets its message echoed"
	else
		not_ok "$how: expected \"echoed type=7 id=42 user_value=1234\", got \"$out\""
	fi
}

check c-shared gcc echo_roundtrip.c
check cxx-shared g++ echo_roundtrip.cpp
check c-static gcc echo_roundtrip.c --static

# The dynamic program really loads the installed shared library.
if ldd_out=$(LD_LIBRARY_PATH=$dest$libdir ldd "$scratch/c-shared" 2>&1) &&
   grep -q "libkucomms.so.0 => $dest$libdir/libkucomms.so.0" <<<"$ldd_out"; then
	ok "the shared build loads libkucomms.so.0 from the installed library directory"
else
	not_ok "expected ldd to resolve libkucomms.so.0 in $libdir, got: $(tr '\n' ' ' <<<"$ldd_out")"
fi
exit $failed
