#!/usr/bin/env bash
# Build build/out/kucomms-dkms_VERSION_all.deb offline, with dpkg-deb only:
# the kernel module sources for DKMS in /usr/src/kucomms-VERSION, the udev
# rule, the sources of the userspace examples, and a Makefile and README
# for building a kernel module of your own against kucomms.ko.
#
# VERSION is the "version" of the top-level package.json, the project's one
# version number. The copies of kernel/dkms.conf (PACKAGE_VERSION) and
# kernel/VERSION that the package ships get it written in; the top entry of
# build/dkms/changelog must already be for it (an entry needs words, so a
# mismatch stops the build).
#
#   bash build/dkms/make-deb.sh [OUTPUT_DIR]      (default: build/out)
set -euo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/build/out}
package=kucomms-dkms
module=kucomms

die() { echo "make-deb: $*" >&2; exit 1; }

# shellcheck source=../deb/common.sh
. "$repo/build/deb/common.sh"
version=$(deb_project_version)

dkms_conf=$repo/kernel/dkms.conf
[[ -f $dkms_conf ]] || die "$dkms_conf is missing: there are no module sources to package"
grep -Eq "^PACKAGE_NAME=\"?$module\"?\$" "$dkms_conf" ||
	die "$dkms_conf must set PACKAGE_NAME=\"$module\""

# The package's files are the repository's (tracked or new, never what
# .gitignore excludes such as .o and .ko files), so a build tree with
# compiled modules in it still ships sources only.
repo_files() {
	git -C "$repo" ls-files --cached --others --exclude-standard -- "$@"
}
command -v git >/dev/null && git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 ||
	die "$repo is not a git checkout (the file lists come from git ls-files)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
doc=$root/usr/share/doc/$package

# Compiler and Kbuild output that a working tree may hold beside the
# sources, whether or not .gitignore knows it yet.
is_build_product() {
	[[ $1 =~ (^|/)\. || $1 =~ \.(o|ko|mod|mod\.c|cmd|d|a|so)$ ||
	   $1 =~ (^|/)(Module\.symvers|modules\.order)$ ]]
}

# Install SOURCE as DEST (0644), which nothing else may have claimed: two
# sources for one path would otherwise be a silent last-one-wins.
install_new() {
	[[ ! -e $2 ]] || die "$1 and another file would both become ${2#"$root"}"
	install -D -m 0644 "$1" "$2"
}

# Copy the listed repository files to DEST, keeping their paths below STRIP.
install_tree() {
	local strip=$1 dest=$2 file
	shift 2
	while IFS= read -r file; do
		[[ -f $repo/$file ]] || continue	# deleted but still in the index
		! is_build_product "$file" || continue
		install_new "$repo/$file" "$dest/${file#"$strip"/}"
	done < <(repo_files "$@")
}

# Module sources: everything under kernel/ except its VM test harness.
src=$root/usr/src/$module-$version
install_tree kernel "$src" kernel ':(exclude)kernel/test'
sed -i -E "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$version\"/" "$src/dkms.conf"
# The modules report kernel/VERSION as their MODULE_VERSION.
if [[ -f $src/VERSION ]]; then
	echo "$version" >"$src/VERSION"
fi

install_new "$repo/build/udev/60-kucomms.rules" "$root/usr/lib/udev/rules.d/60-kucomms.rules"
# The monitor's rule is off by default: shipped outside rules.d, for an
# administrator to copy to /etc/udev/rules.d (its comment says how).
install_new "$repo/build/udev/61-kucomms-monitor.rules" "$root/usr/share/$package/61-kucomms-monitor.rules"

# Userspace examples, flat as a user builds them: the example programs, the
# library's sources in libkucomms/, and in include/ the headers they use
# (libkucomms's and the kucomms uapi ones, as /usr/include would hold them).
examples=$doc/examples
install_tree native/examples "$examples" native/examples
install_tree native/src "$examples/libkucomms" native/src
install_tree native/include "$examples/include" native/include
# Of the kernel's headers only those the userspace code includes (the
# module API in kucomms/module.h is no use to a program), found by the
# compiler with libkucomms's include path.
deps=$(cd "$repo" && gcc -std=gnu11 -MM -Inative/include -Ikernel/include/uapi \
	-Ikernel/include native/src/*.c native/examples/*.c) ||
	die "gcc -MM could not list the headers of native/src and native/examples"
headers=$(tr ' \\' '\n\n' <<<"$deps" | LC_ALL=C sort -u)
mapfile -t uapi_headers < <(grep '^kernel/include/uapi/' <<<"$headers")
mapfile -t other_headers < <(grep '^kernel/include/' <<<"$headers" | grep -v '^kernel/include/uapi/')
[[ ${#uapi_headers[@]} -gt 0 ]] || die "native/ includes no kucomms uapi header; is gcc -MM output as expected?"
install_tree kernel/include/uapi "$examples/include" "${uapi_headers[@]}"
if [[ ${#other_headers[@]} -gt 0 ]]; then
	install_tree kernel/include "$examples/include" "${other_headers[@]}"
fi
install_new "$here/examples.mk" "$examples/Makefile"
install_new "$here/examples-README" "$examples/README"
# How to build a kernel module of your own against kucomms.ko.
install_new "$here/module/Makefile" "$doc/module/Makefile"
install_new "$here/module/README" "$doc/module/README"

deb_docs "$root" "$package"

for script in postinst prerm postrm; do
	mkdir -p -m 0755 "$root/DEBIAN"
	sed "s/@VERSION@/$version/" "$here/$script" >"$root/DEBIAN/$script"
	chmod 0755 "$root/DEBIAN/$script"
done
deb=$out/${package}_${version}_all.deb
deb_build "$root" "$here/control.in" "$deb"
echo "$deb"
