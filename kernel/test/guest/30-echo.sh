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

run_test "echo: load kucomms, create kucomms_echo, insert kucomms_echo" test_setup_echo
run_ctests mmap_rules
run_ctests echo_device
run_ctests lib_echo
run_test "echo: no link left behind, both modules unload" test_teardown_echo
