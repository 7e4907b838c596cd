#!/bin/bash
# kucomms_echo through its device: the device contract by hand (mmap and
# ioctl rules, echoes, several openers, counters) and through libkucomms.
. kernel/test/guest-lib.sh

test_setup_echo() {
	local out
	load_module kucomms || fail "loading kucomms failed"
	out=$(write_attr kucomms create_device kucomms_echo) || fail "create_device kucomms_echo: $out"
	load_module kucomms_echo || fail "loading kucomms_echo failed"
}

test_teardown_echo() {
	local a
	for a in live_links live_rings live_pages; do
		expect_eq "$(attr kucomms $a)" 0 "kucomms/$a after the echo tests"
	done
	within 10 rmmod kucomms_echo || fail "rmmod kucomms_echo failed or hung"
	within 10 rmmod kucomms || fail "rmmod kucomms failed or hung"
}

# The module's thread spinning between messages instead of sleeping: every
# echo still comes back, and the module still unloads (after the teardown).
test_echo_with_spin_budget() {
	local out
	out=$(write_attr kucomms_echo spin_us 1000) || fail "setting spin_us to 1000: $out"
	"$TEST_BIN/echo_device" every_message_size_comes_back_unchanged many_messages_wrap_both_rings_many_times \
		three_concurrent_openers_each_get_their_own_echoes > /tmp/spin-echo.out 2>&1 ||
		fail "echo_device with spin_us 1000: $(grep -m1 'not ok' /tmp/spin-echo.out)"
	[ "$(grep -c '^ok - ' /tmp/spin-echo.out)" = 3 ] || fail "echo_device ran $(grep -c '^ok - ' /tmp/spin-echo.out) of 3 tests"
	out=$(write_attr kucomms_echo spin_us 0) || fail "setting spin_us back to 0: $out"
}

run_test "echo: load kucomms, create kucomms_echo, insert kucomms_echo" test_setup_echo
run_ctests mmap_rules
run_ctests echo_device
run_ctests lib_echo
run_test "echo: with a spin budget of 1000 us every echo still comes back" test_echo_with_spin_budget
run_test "echo: no link left behind, both modules unload" test_teardown_echo
