#!/bin/bash
# libkucomms's native test suite runner.
#
#   tests/run.sh BUILD_DIR...
#
# Runs every executable test_* in each BUILD_DIR (the directory's name is the
# flavour shown in brackets: build-asan -> [asan]), checks the sources (their
# format, tests/check_format.sh, and that no two library files call each
# other, tests/check_calls.sh on the objects of the first BUILD_DIR), what
# `make install` gives a program built with pkg-config (tests/check_install.sh),
# then, if
# build-fuzz/ exists next to this script's parent, runs every fuzz_* there over
# its committed corpus (fuzz/corpus/NAME/) for FUZZ_SECONDS in total (default
# 20; 0 only replays the corpus). Prints one "ok - ..." or "not ok - ...: why" line per test, then
# exactly one "N passed, N failed" line; exits nonzero if anything failed or no
# test binary was found. Everything else (sanitizer reports, fuzzer logs) goes
# to stderr, prefixed with "# ".
#
# A binary that crashes, is stopped by a sanitizer, hangs past TEST_TIMEOUT
# seconds (default 120) or exits nonzero without reporting a failure counts as
# one failed test, with its exit status and the end of its stderr.
set -u

native_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
test_timeout=${TEST_TIMEOUT:-120}
fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0
binaries=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if [ $# -eq 0 ]; then
	echo "usage: tests/run.sh BUILD_DIR..." >&2
	exit 2
fi
case $test_timeout$fuzz_seconds in
*[!0-9]*)
	echo "run.sh: TEST_TIMEOUT and FUZZ_SECONDS must be whole seconds" >&2
	exit 2
	;;
esac

# Reports are fatal (so a finding fails its binary) and carry stack traces;
# options already in the environment come last and win.
asan_options=abort_on_error=1:halt_on_error=1:detect_leaks=1
asan_options+=:detect_stack_use_after_return=1:strict_string_checks=1
export ASAN_OPTIONS="$asan_options${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
for var in ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS; do
	echo "# $var=${!var}" >&2
done

# The first line of any sanitizer report.
sanitizer_report='ERROR: (Address|Leak|Memory)Sanitizer|WARNING: ThreadSanitizer|runtime error: '

pass() {
	echo "ok - $1"
	passed=$((passed + 1))
}

# fail NAME WHY... (the words of WHY are joined with spaces)
fail() {
	local name=$1

	shift
	echo "not ok - $name: $*"
	failed=$((failed + 1))
}

# "exited with status 1", "killed by SIGSEGV", "timed out after 120 s"
describe_status() {
	local status=$1 limit=$2

	if [ "$status" -eq 124 ]; then
		echo "timed out after $limit s"
	elif [ "$status" -gt 128 ] && [ "$status" -lt 160 ]; then
		echo "killed by SIG$(kill -l $((status - 128)))"
	else
		echo "exited with status $status"
	fi
}

# The lines of a failure log worth quoting on one line: the sanitizer's
# error and summary lines if there are any, else the last three lines.
log_tail() {
	local summary

	summary=$(grep -E "$sanitizer_report|^SUMMARY: " "$1" | head -n 4)
	if [ -z "$summary" ]; then
		summary=$(grep -v '^[[:space:]]*$' "$1" | tail -n 3)
	fi
	if [ -z "$summary" ]; then
		echo "(no stderr output)"
		return
	fi
	echo "$summary" | tr -s '[:space:]' ' ' | sed 's/ $//' | cut -c1-600
}

# Copy a log to stderr so the whole report is in the CI output.
show_log() {
	local label=$1 log=$2

	[ -s "$log" ] || return 0
	echo "# ---- $label ----" >&2
	sed 's/^/# /' "$log" >&2
}

run_test_binary() {
	local flavour=$1 bin=$2 name out err status reported=0 failures=0 line

	name=$(basename "$bin")
	out=$scratch/$flavour-$name.out
	err=$scratch/$flavour-$name.err
	# Tests run in their own directory, where their helper programs are.
	# (The outer 2>/dev/null only mutes bash's own "Segmentation fault" notice.)
	{ env -C "$(dirname "$bin")" timeout -k 10 "$test_timeout" "./$name" \
		</dev/null >"$out" 2>"$err"; } 2>/dev/null
	status=$?

	while IFS= read -r line; do
		case $line in
		"ok - "*)
			pass "[$flavour] $name: ${line#ok - }"
			reported=$((reported + 1))
			;;
		"not ok - "*)
			echo "not ok - [$flavour] $name: ${line#not ok - }"
			failed=$((failed + 1))
			reported=$((reported + 1))
			failures=$((failures + 1))
			;;
		*)
			echo "# [$flavour] $name: $line" >&2
			;;
		esac
	done <"$out"

	# A test binary exits 0 when all passed and 1 when some failed; anything
	# else (or 1 without a failure, or silence) is a crash or a sanitizer stop.
	# A sanitizer report fails it whatever the status.
	if { [ "$status" -ne 0 ] && ! { [ "$status" -eq 1 ] && [ "$failures" -gt 0 ]; }; } ||
	   grep -qE "$sanitizer_report" "$err"; then
		fail "[$flavour] $name" "$(describe_status "$status" "$test_timeout")" \
			"with $reported results reported; stderr: $(log_tail "$err")"
	elif [ "$reported" -eq 0 ]; then
		fail "[$flavour] $name" "exited with status $status without reporting any test"
	fi
	if [ "$status" -ne 0 ] || grep -qE "$sanitizer_report" "$err"; then
		show_log "[$flavour] $name stderr" "$err"
	fi
}

run_build_dir() {
	local arg=$1 dir flavour bin found=0

	if [ -d "$arg" ]; then
		dir=$(cd "$arg" && pwd)
	elif [ -d "$native_dir/$arg" ]; then
		dir=$native_dir/$arg
	else
		fail "[$(basename "$arg")] build directory" \
			"$arg does not exist (build it with make -C native test-build)"
		return
	fi
	flavour=$(basename "$dir")
	flavour=${flavour#build-}
	flavour=${flavour#test-}
	for bin in "$dir"/test_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		found=1
		binaries=$((binaries + 1))
		run_test_binary "$flavour" "$bin"
	done
	if [ "$found" -eq 0 ]; then
		fail "[$flavour] test binaries" "no executable test_* in $dir"
	fi
}

run_fuzzer() {
	local bin=$1 seconds=$2 name corpus artifacts work log status crash limit
	local -a budget

	name=$(basename "$bin")
	corpus=$native_dir/fuzz/corpus/$name
	artifacts=$native_dir/build-fuzz/artifacts/$name
	if [ ! -d "$corpus" ]; then
		fail "[fuzz] $name" "no committed corpus in fuzz/corpus/$name"
		return
	fi
	# New inputs go to a scratch directory, never into the committed corpus.
	work=$scratch/corpus-$name
	log=$scratch/fuzz-$name.log
	mkdir -p "$work" "$artifacts"
	if [ "$seconds" -gt 0 ]; then
		budget=(-max_total_time="$seconds")
	else
		budget=(-runs=0)
	fi
	limit=$((seconds + 120))
	{ timeout -k 10 "$limit" "$bin" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$corpus" \
		</dev/null >"$log" 2>&1; } 2>/dev/null
	status=$?
	if [ "$status" -eq 0 ]; then
		pass "[fuzz] $name"
		echo "# [fuzz] $name: $(find "$corpus" -type f | wc -l) corpus files," \
			"$(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs in $seconds s" >&2
		return
	fi
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	if [ -n "$crash" ]; then
		fail "[fuzz] $name" "input $crash fails ($(log_tail "$log"));" \
			"reproduce with build-fuzz/$name $crash"
	else
		fail "[fuzz] $name" "$(describe_status "$status" "$limit"); $(log_tail "$log")"
	fi
	show_log "[fuzz] $name" "$log"
}

run_fuzzers() {
	local dir=$native_dir/build-fuzz bin count=0 seconds
	local -a fuzzers=()

	[ -d "$dir" ] || return 0
	for bin in "$dir"/fuzz_*; do
		[ -f "$bin" ] && [ -x "$bin" ] && fuzzers+=("$bin")
	done
	count=${#fuzzers[@]}
	if [ "$count" -eq 0 ]; then
		fail "[fuzz] fuzzers" "no executable fuzz_* in $dir"
		return
	fi
	binaries=$((binaries + count))
	seconds=$((fuzz_seconds / count))
	if [ "$fuzz_seconds" -gt 0 ] && [ "$seconds" -eq 0 ]; then
		seconds=1
	fi
	for bin in "${fuzzers[@]}"; do
		run_fuzzer "$bin" "$seconds"
	done
}

# Checks of the sources themselves: their format, and that no two library
# files call each other (read from the objects of the first build directory).
run_source_checks() {
	local obj_dir=$1/obj out status

	out=$("$native_dir/tests/check_format.sh" 2>&1)
	status=$?
	if [ "$status" -eq 0 ]; then
		pass "[source] every C and C++ file is formatted as native/.clang-format says"
	elif [ "$status" -eq 1 ]; then
		fail "[source] format" "clang-format would change" $out \
			"(npm run format:native rewrites them)"
	else
		fail "[source] format" "$out"
	fi
	if [ ! -d "$obj_dir/src" ]; then
		fail "[source] calls" "no library objects in $obj_dir/src"
		return
	fi
	out=$("$native_dir/tests/check_calls.sh" "$obj_dir" 2>&1)
	if [ $? -eq 0 ]; then
		pass "[source] no two library source files call each other"
	else
		fail "[source] calls" "these library files call each other:" $out \
			"(native/src/README.md has the order they call in)"
	fi
}

for arg in "$@"; do
	run_build_dir "$arg"
done
run_source_checks "$1"
run_test_binary install "$native_dir/tests/check_install.sh"
run_fuzzers

echo "$passed passed, $failed failed"
if [ "$binaries" -eq 0 ]; then
	echo "run.sh: no test binary found in $*" >&2
	exit 1
fi
[ "$failed" -eq 0 ]
