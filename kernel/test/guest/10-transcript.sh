#!/bin/bash
# The reference manual's longtest transcript, step by step: load kucomms,
# create the device, insert kucomms_longtest, run kucomms_lib_longtest for
# 25 s (so it prints its two lines at least twice), stop it with SIGINT,
# and remove both modules.
. kernel/test/guest-lib.sh

LONGTEST=native/build/kucomms_lib_longtest

test_load_core() {
	[ ! -e /dev/kucomms ] || fail "/dev/kucomms exists before kucomms is loaded"
	load_module kucomms || fail "loading kucomms failed"
	[ -c /dev/kucomms ] || fail "no character device /dev/kucomms after loading kucomms"
	[ -f $KUCOMMS_SYS/kucomms/create_device ] || fail "no $KUCOMMS_SYS/kucomms/create_device"
	[ -f $KUCOMMS_SYS/kucomms/remove_device ] || fail "no $KUCOMMS_SYS/kucomms/remove_device"
}

test_create_and_insert() {
	local out
	out=$(write_attr kucomms create_device kucomms_longtest) ||
		fail "echo kucomms_longtest > create_device: $out"
	[ -c /dev/kucomms_longtest ] || fail "no character device /dev/kucomms_longtest"
	load_module kucomms_longtest || fail "loading kucomms_longtest failed"
	expect_eq "$(attr kucomms_longtest registered)" 1 "kucomms_longtest/registered"
}

# Both lines at least twice, all four counters growing from one print to
# the next, both error counts zero on every print.
check_longtest_output() {
	awk '
	/^avail_tx0=[0-9]+ : add_error_count=[0-9]+ : compare_error_count=[0-9]+$/ {
		split($0, f, /[=:]/)
		n1++
		if (f[4] + 0 != 0 || f[6] + 0 != 0) { print "error counts not zero: " $0; bad = 1 }
		next
	}
	/^sent_count_0=[0-9]+ : sent_count_1=[0-9]+ : received_count_0=[0-9]+ : received_count_1=[0-9]+$/ {
		split($0, f, /[=:]/)
		for (i = 1; i <= 4; i++) {
			v = f[2 * i] + 0
			if (n2 && v <= last[i]) { print "counter " i " did not grow: " prev " then " $0; bad = 1 }
			last[i] = v
		}
		prev = $0
		n2++
		next
	}
	{ print "unexpected line: " $0; bad = 1 }
	END {
		if (n1 < 2 || n2 < 2) { print "expected both lines at least twice, got " n1 " avail_tx0 lines and " n2 " sent_count lines"; bad = 1 }
		exit bad
	}' /tmp/longtest.out
}

test_longtest_runs() {
	local pid status why
	[ -x $LONGTEST ] || fail "$LONGTEST is missing (make -C native builds it)"
	$LONGTEST /dev/kucomms_longtest > /tmp/longtest.out 2> /tmp/longtest.err &
	pid=$!
	sleep 25
	kill -INT $pid 2>/dev/null || fail "kucomms_lib_longtest died early: $(head -n 3 /tmp/longtest.err /tmp/longtest.out | tr '\n' ' ')"
	wait_for 10 '! kill -0 $pid 2>/dev/null' || { kill -9 $pid; fail "kucomms_lib_longtest did not exit within 10 s of SIGINT"; }
	wait $pid
	status=$?
	sed 's/^/kucomms_lib_longtest: /' /tmp/longtest.out /tmp/longtest.err
	expect_eq "$status" 0 "exit status of kucomms_lib_longtest after SIGINT"
	why=$(check_longtest_output) || fail "kucomms_lib_longtest output: $(echo "$why" | head -n 1)"
}

test_remove_modules() {
	within 10 rmmod kucomms_longtest || fail "rmmod kucomms_longtest failed or hung"
	within 10 rmmod kucomms || fail "rmmod kucomms failed or hung"
	[ ! -e /dev/kucomms ] || fail "/dev/kucomms still exists after rmmod kucomms"
	[ ! -e /dev/kucomms_longtest ] || fail "/dev/kucomms_longtest still exists after rmmod kucomms"
}

run_test "transcript: loading kucomms creates /dev/kucomms and its control files" test_load_core
run_test "transcript: create_device and inserting kucomms_longtest" test_create_and_insert
run_test "transcript: kucomms_lib_longtest prints growing counters with no errors and stops on SIGINT" test_longtest_runs
run_test "transcript: rmmod kucomms_longtest and kucomms" test_remove_modules
