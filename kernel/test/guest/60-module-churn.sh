#!/bin/bash
# The user module unloaded and loaded again, over and over, while
# processes keep opening links, sending, waking the kernel and closing
# (kernel/test/programs/module_churn.c): every call gets a documented
# result, no rmmod or close() hangs, and nothing is left behind.
. kernel/test/guest-lib.sh

CHURN_SECONDS=6

expect_no_live_objects() {
	local a
	for a in live_links live_rings live_pages; do
		wait_for 5 '[ "$(attr kucomms $a)" = 0 ]' ||
			fail "kucomms/$a $1: expected 0, got $(attr kucomms $a)"
	done
}

test_setup() {
	local out
	load_module kucomms || fail "loading kucomms failed"
	out=$(write_attr kucomms create_device kucomms_echo) || fail "create_device kucomms_echo: $out"
	load_module kucomms_echo || fail "loading kucomms_echo failed"
}

# Stop module_churn (after a failure of ours) so no later test sees it.
stop_churn() {
	kill -9 $CHURN_PID 2>/dev/null
	fail "$@"
}

test_unload_and_load_under_traffic() {
	local cycles=0 status
	"$TEST_BIN/module_churn" $CHURN_SECONDS /dev/kucomms_echo > /tmp/churn.out 2>&1 &
	CHURN_PID=$!
	while kill -0 $CHURN_PID 2>/dev/null; do
		# A varying pause, so the unload meets the links at every stage.
		sleep 0.0$((RANDOM % 10))
		within 10 rmmod kucomms_echo ||
			stop_churn "rmmod kucomms_echo failed or took over 10 s (after $cycles cycles)"
		sleep 0.0$((RANDOM % 10))
		load_module kucomms_echo ||
			stop_churn "loading kucomms_echo again failed (after $cycles cycles)"
		cycles=$((cycles + 1))
	done
	wait $CHURN_PID
	status=$?
	cat /tmp/churn.out
	echo "module_churn: kucomms_echo unloaded and loaded $cycles times meanwhile"
	[ $status = 0 ] ||
		fail "module_churn (status $status): $(grep -v ' links, ' /tmp/churn.out | head -n 1)"
	[ $cycles -ge 1 ] || fail "kucomms_echo was never unloaded while module_churn ran"
}

test_nothing_left_behind() {
	expect_no_live_objects "after module_churn exited"
	expect_eq "$(attr kucomms_echo registered)" 1 "kucomms_echo/registered after the last load"
	expect_eq "$(attr kucomms_echo links)" 0 "kucomms_echo/links"
	within 10 rmmod kucomms_echo || fail "rmmod kucomms_echo failed or hung"
	within 10 rmmod kucomms || fail "rmmod kucomms failed or hung"
}

run_test "churn: load kucomms, create kucomms_echo, insert kucomms_echo" test_setup
run_test "churn: kucomms_echo unloaded and loaded under opening, waking and closing processes" test_unload_and_load_under_traffic
run_test "churn: no live object left, both modules unload" test_nothing_left_behind
