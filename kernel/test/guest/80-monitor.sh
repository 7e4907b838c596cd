#!/bin/bash
# The monitor, /dev/kumon: what it sees of links it takes no part in
# (programs/monitor.c against kucomms_echo), the longtest pair watched for
# 20 s with every message accounted for against the device's counters, a
# monitor of every device while devices, links and modules come and go
# (kill -9, rmmod), and rmmod kucomms with a monitor open.
. kernel/test/guest-lib.sh

LONGTEST=native/build/kucomms_lib_longtest
LONGTEST_SECONDS=${LONGTEST_SECONDS:-20}

expect_no_live_objects() {
	local a
	for a in live_links live_rings live_pages; do
		wait_for 5 '[ "$(attr kucomms $a)" = 0 ]' ||
			fail "kucomms/$a $1: expected 0, got $(attr kucomms $a)"
	done
}

test_no_module_no_monitor() {
	local out
	out=$("$TEST_BIN/monitor_dump" -i 0 2>&1) && fail "monitor_dump worked without kucomms loaded"
	echo "$out" | grep -q "kucomms.ko is not loaded (modprobe kucomms)" ||
		fail "expected the error to say kucomms.ko is not loaded, got: $out"
}

test_setup() {
	local out mode
	load_module kucomms || fail "loading kucomms failed"
	out=$(write_attr kucomms create_device kucomms_echo) || fail "create_device kucomms_echo: $out"
	load_module kucomms_echo || fail "loading kucomms_echo failed"
	mode=$(stat -c '%a %U' /dev/kumon) || fail "no /dev/kumon"
	expect_eq "$mode" "600 root" "mode and owner of /dev/kumon"
}

run_test "monitor: without kucomms loaded the reader says to load it" test_no_module_no_monitor
run_test "monitor: load kucomms and kucomms_echo; /dev/kumon is root-only" test_setup
run_ctests monitor
