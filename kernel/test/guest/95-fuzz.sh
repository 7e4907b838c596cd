#!/bin/bash
# kucomms-studio fuzz against real modules, in the kernel test VM: the whole
# plan of each layout against kucomms_echo and kucomms_longtest finds
# nothing and leaves a clean log; against kucomms_planted (kernel/test/planted/,
# two planted bugs) it finds the WARN_ON and the link stall, reduces each to
# the one message that causes it and saves the reproducer. The three runs
# share one node process (kernel/test/fuzz-guest.ts); the planted run is the
# last, inside a marked window of the kernel log whose warnings this script
# checks exactly (run.mjs leaves that window to it).
# Run from the repository's top directory, as root, inside the guest.
. kernel/test/guest-lib.sh

# Generous on an emulated, loaded machine: a probe answered late is checked
# again on a fresh link, so it never becomes a finding; a real stall costs
# this long about three times (found, confirmed, reduced).
HANG_MS=4000
OUT=/tmp/fuzz

fuzz_setup() {
	local m out
	load_module kucomms || fail "loading kucomms failed"
	for m in kucomms_echo kucomms_longtest kucomms_planted; do
		out=$(write_attr kucomms create_device $m) || fail "create_device $m: $out"
	done
	load_module kucomms_echo || fail "loading kucomms_echo failed"
	load_module kucomms_longtest || fail "loading kucomms_longtest failed"
	insmod kernel/test/planted/kucomms_planted.ko || fail "loading kucomms_planted failed"
	within 400 node --import tsx kernel/test/fuzz-guest.ts $HANG_MS \
		/dev/kucomms_echo:protocols/echo.yaml:$OUT-echo.out \
		/dev/kucomms_longtest:protocols/longtest.yaml:$OUT-longtest.out \
		/dev/kucomms_planted:kernel/test/planted/planted.yaml:$OUT-planted.out:planted
	[ $? = 124 ] && fail "the fuzz runs did not finish within 400 s"
	for m in echo longtest planted; do
		sed "s/^/fuzz $m: /" $OUT-$m.out
	done
	sed "s/^/fuzz planted tests: /" $OUT-planted.out.tests
	return 0
}

# The kernel log between the driver's markers of one run.
kmsg_of_run() {
	dmesg | awk -v b="kucomms-test fuzz-begin $1" -v e="kucomms-test fuzz-end $1" \
		'index($0, e) { seen = 0 } seen { print } index($0, b) { seen = 1 }'
}

# fuzz_clean NAME MODULE: the whole plan found nothing; the log stayed clean.
fuzz_clean() {
	local out=$OUT-$1.out bad
	[ -f $out.status ] || fail "the $1 run did not end: $(tail -n 1 $out | tr '\n' ' ')"
	expect_eq "$(cat $out.status)" 0 "fuzz's exit status ($(grep -m 1 -e finding -e kucomms-studio $out))"
	grep -q '^fuzz: watching the link and the kernel log' $out || fail "fuzz did not watch the kernel log: $(head -n 1 $out)"
	grep -Eq '^fuzz: [0-9]+ messages, 0 findings$' $out || fail "no closing line: $(tail -n 1 $out)"
	dmesg | grep -q "kucomms-test fuzz-end $2" || fail "the run's end marker is not in the kernel log"
	bad=$(kmsg_of_run "$2" | grep -E "$KERNEL_BAD")
	[ -z "$bad" ] || fail "the kernel log shows: $(echo "$bad" | head -n 1)"
	[ -s /tmp/fuzz-$2/captures/fuzz-$1-run.kucap ] || fail "no recording of the messages sent"
}

fuzz_planted() {
	local out=$OUT-planted.out ws=/tmp/fuzz-kucomms_planted warnings ends others n hang
	[ -f $out.status ] || fail "the planted run did not end: $(tail -n 1 $out | tr '\n' ' ')"
	expect_eq "$(cat $out.status)" 8 "fuzz's exit status (8: found)"
	grep -Eq '^fuzz: [0-9]+ messages, 2 findings$' $out || fail "not 2 findings: $(tail -n 1 $out)"
	grep -Eq '^finding [12]: kernel-log: WARNING: .*kucomms_planted\.c:[0-9]+ planted_message' $out ||
		fail "the WARN_ON was not found: $(grep -m 2 '^finding' $out | tr '\n' ' ')"
	grep -Eq '^finding [12]: hang: ' $out || fail "the stall was not found"
	grep -q '^  reduced to 1 message: command: data.channel = 255 (boundary)$' $out ||
		fail "the warning was not reduced to the channel-255 command: $(grep 'reduced to' $out | tr '\n' ' ')"
	grep -Eq '^  reduced to 1 message: command \(op reset\): data.count = [0-9]+ \(wrong length: values holds 2\)$' $out ||
		fail "the stall was not reduced to one reset with a wrong count: $(grep 'reduced to' $out | tr '\n' ' ')"
	for n in 1 2; do
		[ -s $ws/captures/fuzz-planted-$n.kucap ] || fail "no reproducer capture $n"
		grep -q "^# The reproducer (also in captures/fuzz-planted-$n.kucap):" $ws/tests/fuzz-planted-$n.yaml ||
			fail "tests/fuzz-planted-$n.yaml is not the reproducer's test"
	done
	# Its regression tests, run by kucomms-studio test: the bugs are still
	# there, so the stall's test fails; after the warning's reproducer the
	# module still answers, so that one passes.
	hang=$(sed -n 's/^finding \([12]\): hang: .*/\1/p' $out)
	expect_eq "$(cat $out.tests.status)" 7 "kucomms-test test's exit status on the planted tests"
	grep -q "^not ok - fuzz-planted-$hang: /dev/kucomms_planted still answers" $out.tests ||
		fail "the stall's regression test did not fail: $(tr '\n' ' ' < $out.tests)"
	grep -q "^ok - fuzz-planted-$((3 - hang)): /dev/kucomms_planted still answers" $out.tests ||
		fail "the warning's regression test did not pass: $(tr '\n' ' ' < $out.tests)"
	# Exactly what was planted: every bad line of the run is a WARNING at
	# the planted line or part of its report (up to its end of trace).
	kmsg_of_run kucomms_planted > /tmp/planted-kmsg
	warnings=$(grep -c 'WARNING: CPU: [0-9]* PID: [0-9]* at .*kucomms_planted\.c:[0-9]* planted_message' /tmp/planted-kmsg)
	ends=$(grep -c -e '---\[ end trace' /tmp/planted-kmsg)
	[ "$warnings" -ge 1 ] || fail "no planted WARNING in the kernel log"
	[ "$warnings" = "$ends" ] || fail "$warnings planted WARNINGs but $ends ends of trace"
	others=$(awk '/WARNING: CPU: .* planted_message/ { inside = 1; next }
		/---\[ end trace/ { inside = 0; next }
		!inside' /tmp/planted-kmsg | grep -E "$KERNEL_BAD")
	[ -z "$others" ] || fail "the kernel log shows more than the planted warning: $(echo "$others" | head -n 1)"
}

# The stall ends with its link: unloading never waits for it.
fuzz_teardown() {
	local m
	for m in kucomms_planted kucomms_longtest kucomms_echo kucomms; do
		within 10 rmmod $m || fail "rmmod $m failed or hung"
	done
}

run_test "fuzz: load kucomms_echo, kucomms_longtest and kucomms_planted, fuzz each with its layout" fuzz_setup
run_test "fuzz: kucomms_echo with the echo layout: the whole plan finds nothing, the kernel log stays clean" fuzz_clean echo kucomms_echo
run_test "fuzz: kucomms_longtest with the longtest layout: the whole plan finds nothing, the kernel log stays clean" fuzz_clean longtest kucomms_longtest
run_test "fuzz: kucomms_planted: finds the WARN_ON and the link stall, reduces each to its one message, saves capture and test (the stall's test fails while the bug is there); only the planted warning is logged" fuzz_planted
run_test "fuzz: every module unloads, kucomms_planted's stalled link included" fuzz_teardown
