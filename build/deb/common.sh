# Helpers shared by the scripts that build the project's Debian packages
# offline with dpkg-deb only (build/dkms/make-deb.sh,
# build/libkucomms/make-debs.sh). Sourced, with $repo set to the
# repository's top and a die function defined.

# The project's one version: package.json's "version", which must be a
# Debian native version (the packages are built from the project's own
# tree, so they have no Debian revision) and the version of the top entry
# of build/dkms/changelog, the changelog every package ships.
deb_project_version() {
	local version changelog_version

	version=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version ?? "")' "$repo/package.json")
	[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] ||
		die "package.json version '$version' is not a Debian native version (digits first, then [A-Za-z0-9.+~])"
	changelog_version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$repo/build/dkms/changelog")
	[[ $changelog_version == "$version" ]] ||
		die "build/dkms/changelog's top entry is version '$changelog_version' but package.json says '$version': add a changelog entry for $version"
	echo "$version"
}

# deb_docs ROOT PACKAGE: the copyright file and the changelog every package
# carries in /usr/share/doc/PACKAGE.
deb_docs() {
	local doc=$1/usr/share/doc/$2

	install -D -m 0644 "$repo/build/dkms/copyright" "$doc/copyright"
	gzip -9n <"$repo/build/dkms/changelog" >"$doc/changelog.gz"
	chmod 0644 "$doc/changelog.gz"
}

# deb_build ROOT CONTROL_TEMPLATE DEB [SED_ARGS...]: write DEBIAN/control
# from the template (comment lines dropped, @VERSION@ and @INSTALLED_SIZE@
# filled in, and whatever else SED_ARGS replace), the md5sums, set every
# timestamp to the changelog entry's (the same sources give the same
# package) and build DEB.
deb_build() {
	local root=$1 template=$2 deb=$3 installed_size changelog_date

	shift 3
	mkdir -p -m 0755 "$root/DEBIAN"
	installed_size=$(du -sk --apparent-size "$root/usr" | cut -f1)
	sed -e '/^#/d' -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_size/" "$@" \
		"$template" >"$root/DEBIAN/control"
	(cd "$root" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
	chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
	changelog_date=$(sed -n 's/^ -- .*>  //p' "$repo/build/dkms/changelog" | head -n 1)
	SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date -d "$changelog_date" +%s)}
	export SOURCE_DATE_EPOCH
	find "$root" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	mkdir -p "$(dirname "$deb")"
	dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
}
