#!/usr/bin/env bash
# Build libkucomms's two Debian packages offline, with make and dpkg-deb
# only, into OUTPUT_DIR (default build/out):
#   libkucomms0_VERSION_ARCH.deb     the shared library (libkucomms.so.0)
#   libkucomms-dev_VERSION_ARCH.deb  headers, static library, kucomms.pc,
#                                    and Wireshark's kucomms_extcap
# They are compiled from a copy of the repository's sources (git ls-files),
# with Debian's hardening flags (dpkg-buildflags), so a working tree's own
# native/build never ends up in a package. VERSION is package.json's, as for
# kucomms-dkms (build/deb/common.sh).
#
#   bash build/libkucomms/make-debs.sh [OUTPUT_DIR]
set -euo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/build/out}

die() { echo "make-debs: $*" >&2; exit 1; }

# shellcheck source=../deb/common.sh
. "$repo/build/deb/common.sh"
version=$(deb_project_version)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=/usr/lib/$multiarch
# Where Debian's Wireshark looks for extcap programs (tshark -G folders).
extcap_dir=$libdir/wireshark/extcap

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The sources the library and the extcap build from.
git -C "$repo" ls-files --cached --others --exclude-standard -z -- native kernel/include kernel/VERSION |
	(cd "$repo" && xargs -0 cp --parents -t "$stage") ||
	die "cannot copy the sources out of $repo (is it a git checkout?)"
eval "$(dpkg-buildflags --export=sh)"
make -s -C "$stage/native" -j2 build/libkucomms.a build/libkucomms.so build/kucomms_extcap >&2 ||
	die "building libkucomms and kucomms_extcap failed"

# Everything make install puts in place, split between the two packages.
installed=$stage/installed
make -s -C "$stage/native" install DESTDIR="$installed" PREFIX=/usr LIBDIR="$libdir" >&2

lib_root=$stage/lib
install -d "$lib_root$libdir"
mv "$installed$libdir"/libkucomms.so.* "$lib_root$libdir"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$lib_root$libdir/libkucomms.so.$version"
deb_docs "$lib_root" libkucomms0
mkdir -m 0755 "$lib_root/DEBIAN"
echo "libkucomms 0 libkucomms0 (>= $version)" >"$lib_root/DEBIAN/shlibs"
echo "activate-noawait ldconfig" >"$lib_root/DEBIAN/triggers"
chmod 0644 "$lib_root/DEBIAN/shlibs" "$lib_root/DEBIAN/triggers"
lib_deb=$out/libkucomms0_${version}_$arch.deb
deb_build "$lib_root" "$here/control-lib.in" "$lib_deb" -e "s/@ARCH@/$arch/"

dev_root=$installed
strip --strip-debug --remove-section=.comment "$dev_root$libdir/libkucomms.a"
install -D -m 0755 "$stage/native/build/kucomms_extcap" "$dev_root$extcap_dir/kucomms_extcap"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$dev_root$extcap_dir/kucomms_extcap"
deb_docs "$dev_root" libkucomms-dev
dev_deb=$out/libkucomms-dev_${version}_$arch.deb
deb_build "$dev_root" "$here/control-dev.in" "$dev_deb" -e "s/@ARCH@/$arch/"

echo "$lib_deb"
echo "$dev_deb"
