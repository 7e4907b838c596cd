#!/bin/bash
# kucomms-studio fuzz against real modules, in the kernel test VM: the whole
# plan of each layout against kucomms_echo and kucomms_longtest finds
# nothing and leaves a clean log; against kucomms_planted (kernel/test/planted/,
# two planted bugs) it finds the WARN_ON and the link stall, reduces each to
# the one message that causes it and saves the reproducer. The planted run is
# the last of the suite, inside a marked window of the kernel log whose
# warnings this script checks exactly (run.mjs leaves that window to it).
# Run from the repository's top directory, as root, inside the guest.
. kernel/test/guest-lib.sh

FUZZ_OUT=/tmp/fuzz.out
# Generous on an emulated, loaded machine: a spurious hang would not
# reproduce on a fresh link, so it could never become a finding.
HANG_MS=4000

# fuzz_clean MODULE LAYOUT: the whole plan finds nothing; the log stays clean.
fuzz_clean() {
	local module=$1 layout=$2 out bad status
	load_module kucomms || fail "loading kucomms failed"
	out=$(write_attr kucomms create_device "$module") || fail "create_device $module: $out"
	load_module "$module" || fail "loading $module failed"
	mark_kmsg
	within 120 node electron/cli/kucomms-studio.mjs fuzz "/dev/$module" --kernel \
		--layout "$layout" --workspace "/tmp/fuzz-$module" --hang-ms $HANG_MS > "$FUZZ_OUT" 2>&1
	status=$?
	case $status in
	0) ;;
	124) fail "fuzz did not finish within 120 s: $(tail -n 2 "$FUZZ_OUT" | tr '\n' ' ')" ;;
	*) fail "fuzz exited $status: $(grep -m 3 -e finding -e kucomms-studio "$FUZZ_OUT" | tr '\n' ' ')" ;;
	esac
	grep -q '^fuzz: watching the link and the kernel log' "$FUZZ_OUT" || fail "fuzz did not watch the kernel log: $(head -n 1 "$FUZZ_OUT")"
	grep -Eq '^fuzz: [0-9]+ messages, 0 findings$' "$FUZZ_OUT" || fail "no closing line: $(tail -n 1 "$FUZZ_OUT")"
	bad=$(kmsg_since_mark | grep -E "$KERNEL_BAD")
	[ -z "$bad" ] || fail "the kernel log shows: $(echo "$bad" | head -n 1)"
	[ -s "/tmp/fuzz-$module/captures/fuzz-$(basename "$layout" .yaml)-run.kucap" ] || fail "no recording of the messages sent"
	within 10 rmmod "$module" || fail "rmmod $module failed or hung"
	within 10 rmmod kucomms || fail "rmmod kucomms failed or hung"
}

# The planted module's run, in the marked window.
fuzz_planted() {
	local out warnings ends others status ws=/tmp/fuzz-planted
	load_module kucomms || fail "loading kucomms failed"
	out=$(write_attr kucomms create_device kucomms_planted) || fail "create_device kucomms_planted: $out"
	insmod kernel/test/planted/kucomms_planted.ko || fail "loading kucomms_planted failed"
	echo "kucomms-test expected-warnings-begin kucomms_planted" > /dev/kmsg
	# The window closes however the test ends.
	trap 'echo "kucomms-test expected-warnings-end kucomms_planted" > /dev/kmsg' EXIT
	mark_kmsg
	within 240 node electron/cli/kucomms-studio.mjs fuzz /dev/kucomms_planted --kernel \
		--layout kernel/test/planted/planted.yaml --workspace $ws --hang-ms $HANG_MS > "$FUZZ_OUT" 2>&1
	status=$?
	sed 's/^/fuzz-out: /' "$FUZZ_OUT"
	[ $status = 124 ] && fail "fuzz did not finish within 240 s"
	[ $status = 8 ] || fail "fuzz exited $status, not 8 (found): $(tail -n 1 "$FUZZ_OUT")"
	grep -Eq '^fuzz: [0-9]+ messages, 2 findings$' "$FUZZ_OUT" || fail "not 2 findings: $(tail -n 1 "$FUZZ_OUT")"
	grep -Eq '^finding [12]: kernel-log: WARNING: .*kucomms_planted\.c:[0-9]+ planted_message' "$FUZZ_OUT" ||
		fail "the WARN_ON was not found: $(grep -m 2 '^finding' "$FUZZ_OUT" | tr '\n' ' ')"
	grep -Eq '^finding [12]: hang: ' "$FUZZ_OUT" || fail "the stall was not found"
	grep -q '^  reduced to 1 message: command: data.channel = 255 (boundary)$' "$FUZZ_OUT" ||
		fail "the warning was not reduced to the channel-255 command: $(grep -m 2 'reduced to' "$FUZZ_OUT" | tr '\n' ' ')"
	grep -Eq '^  reduced to 1 message: command: data.count = [0-9]+ \(wrong length: values holds 2\)$' "$FUZZ_OUT" ||
		fail "the stall was not reduced to one reset with a wrong count: $(grep 'reduced to' "$FUZZ_OUT" | tr '\n' ' ')"
	for n in 1 2; do
		[ -s $ws/captures/fuzz-planted-$n.kucap ] || fail "no reproducer capture $n"
		grep -q '^  - replay: captures/fuzz-planted-'$n'.kucap' $ws/tests/fuzz-planted-$n.yaml ||
			fail "tests/fuzz-planted-$n.yaml does not replay its reproducer"
	done
	# The stall ends with its link: unloading never waits for it.
	within 10 rmmod kucomms_planted || fail "rmmod kucomms_planted failed or hung"
	within 10 rmmod kucomms || fail "rmmod kucomms failed or hung"
	# Exactly what was planted: every bad line is a WARNING at the planted
	# line or part of its report (Call Trace ... end trace), nothing else.
	kmsg_since_mark > /tmp/planted-kmsg
	warnings=$(grep -c 'WARNING: CPU: [0-9]* PID: [0-9]* at .*kucomms_planted\.c:[0-9]* planted_message' /tmp/planted-kmsg)
	ends=$(grep -c -e '---\[ end trace' /tmp/planted-kmsg)
	[ "$warnings" -ge 1 ] || fail "no planted WARNING in the kernel log"
	[ "$warnings" = "$ends" ] || fail "$warnings planted WARNINGs but $ends ends of trace"
	others=$(awk '/WARNING: CPU: .* planted_message/ { inside = 1; next }
		/---\[ end trace/ { inside = 0; next }
		!inside' /tmp/planted-kmsg | grep -E "$KERNEL_BAD")
	[ -z "$others" ] || fail "the kernel log shows more than the planted warning: $(echo "$others" | head -n 1)"
}

run_test "fuzz: kucomms_echo with the echo layout: the whole plan finds nothing, the kernel log stays clean" fuzz_clean kucomms_echo protocols/echo.yaml
run_test "fuzz: kucomms_longtest with the longtest layout: the whole plan finds nothing, the kernel log stays clean" fuzz_clean kucomms_longtest protocols/longtest.yaml
run_test "fuzz: kucomms_planted: finds the WARN_ON and the link stall, reduces each to its one message, saves capture and test, rmmod does not hang" fuzz_planted
