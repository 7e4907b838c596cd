#!/bin/bash
# Lists the C and C++ files of native/ that clang-format (with native/.clang-format)
# would change, and exits 1 if there are any; 2 if clang-format is missing.
#
#   tests/check_format.sh          check
#   tests/check_format.sh --fix    rewrite them in place (npm run format:native)
set -u
native_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
clang_format=${CLANG_FORMAT:-clang-format}

if ! command -v "$clang_format" >/dev/null; then
	echo "$clang_format not found: install Debian's clang-format package" >&2
	exit 2
fi
cd "$native_dir" || exit 2
mapfile -t files < <(find src include tests examples bench fuzz addon/src -type f \
	\( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.cpp' -o -name '*.hpp' \) | sort)
if [ "${1:-}" = --fix ]; then
	exec "$clang_format" -i "${files[@]}"
fi
status=0
for f in "${files[@]}"; do
	if ! "$clang_format" "$f" | cmp -s - "$f"; then
		echo "native/$f"
		status=1
	fi
done
exit $status
