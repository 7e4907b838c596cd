#!/bin/bash
# Hostile userspace: 30 s of adversarial ring contents against the echo and
# longtest modules, and of impossible consumer positions against monitors
# of them (kernel/test/programs/hostile.c), then the kernel must
# show no sign of damage, count the broken links, still serve a fresh
# opener and let every module go.
. kernel/test/guest-lib.sh

HOSTILE_SECONDS=${HOSTILE_SECONDS:-30}
DEVICES="kucomms_echo kucomms_longtest"

test_setup() {
	local d out
	load_module kucomms || fail "loading kucomms failed"
	for d in $DEVICES; do
		out=$(write_attr kucomms create_device $d) || fail "create_device $d: $out"
		load_module $d || fail "loading $d failed"
	done
}

test_hostile_run() {
	local d
	for d in $DEVICES; do
		attr $d protocol_errors > /tmp/protocol_errors.$d
	done
	mark_kmsg
	echo "$KMSG_MARK" > /tmp/hostile.mark
	within $((HOSTILE_SECONDS + 20)) "$TEST_BIN/hostile" $HOSTILE_SECONDS \
		/dev/kucomms_echo /dev/kucomms_longtest > /tmp/hostile.out 2>&1
	local status=$?
	cat /tmp/hostile.out
	if [ $status = 124 ]; then
		kill -9 $WITHIN_PID
		fail "the attackers were still busy 20 s after their $HOSTILE_SECONDS s (stuck in a system call?)"
	fi
	[ $status = 0 ] || fail "the devices stopped accepting links: $(grep -v ' attacker ' /tmp/hostile.out | tail -n 1)"
}

test_kernel_log_clean() {
	KMSG_MARK=$(cat /tmp/hostile.mark)
	local bad
	bad=$(kmsg_since_mark | grep -E "$KERNEL_BAD")
	[ -z "$bad" ] || fail "$(echo "$bad" | head -n 3 | tr '\n' '|')"
}

test_protocol_errors_counted() {
	local d before after
	for d in $DEVICES; do
		before=$(cat /tmp/protocol_errors.$d)
		after=$(attr $d protocol_errors)
		[ "$after" -gt "$before" ] || fail "$d/protocol_errors: expected to grow from $before, got $after"
	done
}

test_monitors_stopped() {
	local line
	line=$(grep '^hostile: monitors: ' /tmp/hostile.out) || fail "hostile printed no monitor summary"
	echo "$line" | grep -Eq 'monitors: [1-9][0-9]* attacked, [1-9][0-9]* stopped' ||
		fail "expected monitors attacked and some stopped by the kernel, got: $line"
}

test_fresh_opener() {
	wait_for 5 '[ "$(attr kucomms live_links)" = 0 ]' ||
		fail "live_links after the attackers exited: expected 0, got $(attr kucomms live_links)"
	"$TEST_BIN/echo_device" every_message_size_comes_back_unchanged many_messages_wrap_both_rings_many_times \
		> /tmp/echo.out 2>&1 ||
		fail "$(grep 'not ok' /tmp/echo.out | head -n 1 || cat /tmp/echo.out)"
}

test_everything_unloads() {
	local d a
	for d in $DEVICES; do
		within 10 rmmod $d || fail "rmmod $d failed or hung"
	done
	for a in live_links live_rings live_pages; do
		expect_eq "$(attr kucomms $a)" 0 "kucomms/$a"
	done
	within 10 rmmod kucomms || fail "rmmod kucomms failed or hung"
}

run_test "hostile: load kucomms, kucomms_echo and kucomms_longtest with their devices" test_setup
run_test "hostile: 30 s of adversarial rings on several links; the devices keep accepting links" test_hostile_run
run_test "hostile: no Oops, BUG, WARNING or general protection fault in the kernel log" test_kernel_log_clean
run_test "hostile: protocol_errors grew on every attacked device" test_protocol_errors_counted
run_test "hostile: monitors fed impossible consumer positions were stopped by the kernel" test_monitors_stopped
run_test "hostile: a fresh opener still gets correct echoes" test_fresh_opener
run_test "hostile: every module unloads, no live object left" test_everything_unloads
