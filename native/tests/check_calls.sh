#!/bin/bash
# Lists the pairs of libkucomms source files that call each other, from the
# symbols of their objects (OBJ_DIR/src/NAME.o), and exits 1 if there are
# any. native/src/README.md has the order the files call in.
#
#   tests/check_calls.sh OBJ_DIR
set -u
obj_dir=${1:?usage: tests/check_calls.sh OBJ_DIR}

# One "file defined-symbol" line per global definition, one
# "file -symbol" line per undefined reference, then the pairs.
for o in "$obj_dir"/src/*.o; do
	f=$(basename "$o" .o)
	nm "$o" | awk -v f="$f" '
		NF == 3 && $2 ~ /^[TDBR]$/ { print f, $3 }
		NF == 2 && $1 == "U" { print f, "-" $2 }'
done | awk '
	$2 !~ /^-/ { def[$2] = $1; next }
	{ use[$1, substr($2, 2)] = 1 }
	END {
		for (k in use) {
			split(k, p, SUBSEP)
			if ((p[2] in def) && def[p[2]] != p[1])
				calls[p[1], def[p[2]]] = 1
		}
		for (k in calls) {
			split(k, p, SUBSEP)
			if ((p[2], p[1]) in calls && p[1] < p[2]) {
				print p[1] ".c <-> " p[2] ".c"
				found = 1
			}
		}
		exit found
	}' | sort
exit "${PIPESTATUS[1]}"
