#!/bin/bash
# Teardown while userspace is attached: kill -9 of the process, rmmod of
# the user module under it, rmmod kucomms with devices left; and the leak
# check over 10 000 link cycles (link_lifecycle).
. kernel/test/guest-lib.sh

expect_no_live_objects() {
	local a
	for a in live_links live_rings live_pages; do
		wait_for 2 '[ "$(attr kucomms $a)" = 0 ]' ||
			fail "kucomms/$a $1: expected 0, got $(attr kucomms $a)"
	done
}

# Start attach_wait in the background on $1 ($2: flood) and wait until it
# holds its link.
start_attached() {
	"$TEST_BIN/attach_wait" "$@" > /tmp/attached.out 2>&1 &
	ATTACHED_PID=$!
	wait_for 10 'grep -q "^attached" /tmp/attached.out' ||
		fail "attach_wait did not attach: $(cat /tmp/attached.out)"
}

test_setup() {
	local out
	load_module kucomms || fail "loading kucomms failed"
	out=$(write_attr kucomms create_device kucomms_echo) || fail "create_device kucomms_echo: $out"
	load_module kucomms_echo || fail "loading kucomms_echo failed"
}

test_kill_9_of_an_attached_process() {
	local status
	start_attached /dev/kucomms_echo flood
	sleep 1
	expect_eq "$(attr kucomms_echo links)" 1 "kucomms_echo/links while attached"
	expect_eq "$(attr kucomms live_rings)" 2 "live_rings while attached"
	kill -9 $ATTACHED_PID
	wait $ATTACHED_PID
	status=$?
	expect_eq "$status" 137 "attach_wait's status after kill -9"
	expect_no_live_objects "after kill -9 of the attached process"
	expect_eq "$(attr kucomms_echo links)" 0 "kucomms_echo/links after kill -9"
	[ "$(attr kucomms_echo rx_messages)" -gt 0 ] || fail "the killed process's messages never reached the module"
}

test_rmmod_of_the_user_module_while_attached() {
	local status
	start_attached /dev/kucomms_echo flood
	sleep 1
	within 10 rmmod kucomms_echo || fail "rmmod kucomms_echo with a process attached failed or took over 10 s"
	wait_for 10 '! kill -0 $ATTACHED_PID 2>/dev/null' ||
		{ kill -9 $ATTACHED_PID; fail "the attached process did not see the hangup within 10 s: $(cat /tmp/attached.out | tr '\n' ' ')"; }
	wait $ATTACHED_PID
	status=$?
	[ $status = 0 ] || fail "after rmmod, expected POLLHUP, side 0 closed and EPIPE from KUCOMMS_IOC_WAKE; attach_wait (status $status) saw: $(tr '\n' ' ' < /tmp/attached.out)"
	expect_no_live_objects "after the attached process exited"
	expect_eq "$(attr kucomms_echo registered)" 0 "kucomms_echo/registered after rmmod"
}

test_reinsert_after_rmmod() {
	load_module kucomms_echo || fail "loading kucomms_echo again failed"
	"$TEST_BIN/echo_device" every_message_size_comes_back_unchanged > /tmp/echo.out 2>&1 ||
		fail "after reinsertion: $(grep 'not ok' /tmp/echo.out || cat /tmp/echo.out)"
}

test_rmmod_kucomms_with_devices_left() {
	local out
	within 10 rmmod kucomms_echo || fail "rmmod kucomms_echo failed or hung"
	out=$(write_attr kucomms create_device kucomms_left_behind) || fail "create: $out"
	within 10 rmmod kucomms || fail "rmmod kucomms with two devices left failed or hung"
	[ -z "$(ls /dev | grep '^kucomms')" ] || fail "device nodes remain: $(ls /dev | grep '^kucomms' | tr '\n' ' ')"
	[ ! -e $KUCOMMS_SYS ] || [ -z "$(ls $KUCOMMS_SYS)" ] || fail "sysfs entries remain: $(ls $KUCOMMS_SYS)"
}

run_test "teardown: load kucomms, create kucomms_echo, insert kucomms_echo" test_setup
run_test "kill -9 of a process attached mid-traffic frees its link" test_kill_9_of_an_attached_process
run_test "rmmod of the user module while attached: prompt, the process sees POLLHUP and EPIPE" test_rmmod_of_the_user_module_while_attached
run_test "the user module inserted again serves fresh openers" test_reinsert_after_rmmod
run_ctests link_lifecycle
run_test "rmmod kucomms with devices left removes them all" test_rmmod_kucomms_with_devices_left
