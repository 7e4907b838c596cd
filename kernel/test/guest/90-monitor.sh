#!/bin/bash
# The monitor, /dev/kumon: what it sees of links it takes no part in
# (programs/monitor.c against kucomms_echo), the longtest pair watched for
# 20 s with every message accounted for against the device's counters, a
# monitor of every device while devices, links and modules come and go
# (kill -9, rmmod), and rmmod kucomms with a monitor open.
. kernel/test/guest-lib.sh

LONGTEST=native/build/kucomms_lib_longtest
MONITOR=native/build/kucomms_monitor
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
	out=$("$MONITOR" -i 0 /dev/kucomms 2>&1) && fail "kucomms_monitor worked without kucomms loaded"
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

# Two monitors on the longtest pair for LONGTEST_SECONDS: one with a large
# ring that keeps up (no drop at all), one with a small ring that reads
# slowly (it drops); both must account for every message exactly.
test_longtest_watched() {
	local out lt fast slow status
	out=$(write_attr kucomms create_device kucomms_longtest) || fail "create_device kucomms_longtest: $out"
	load_module kucomms_longtest || fail "loading kucomms_longtest failed"
	rm -f /tmp/mon-*.ready
	"$TEST_BIN/monitor_longtest" kucomms_longtest $((16 << 20)) /tmp/mon-fast.ready > /tmp/mon-fast.out 2>&1 &
	fast=$!
	"$TEST_BIN/monitor_longtest" kucomms_longtest $((64 << 10)) /tmp/mon-slow.ready 2000 > /tmp/mon-slow.out 2>&1 &
	slow=$!
	wait_for 10 '[ -e /tmp/mon-fast.ready ] && [ -e /tmp/mon-slow.ready ]' ||
		fail "the monitors did not attach: $(cat /tmp/mon-fast.out /tmp/mon-slow.out | tr '\n' ' ')"
	$LONGTEST /dev/kucomms_longtest > /tmp/longtest.out 2>&1 &
	lt=$!
	sleep $LONGTEST_SECONDS
	kill -INT $lt 2>/dev/null || fail "kucomms_lib_longtest died early: $(head -n 3 /tmp/longtest.out | tr '\n' ' ')"
	wait_for 10 '! kill -0 $lt 2>/dev/null' || { kill -9 $lt; fail "kucomms_lib_longtest did not stop on SIGINT"; }
	wait $lt
	expect_eq "$?" 0 "exit status of kucomms_lib_longtest"
	grep -q 'compare_error_count=0$' /tmp/longtest.out || fail "kucomms_lib_longtest: $(tail -n 2 /tmp/longtest.out | tr '\n' ' ')"
	wait_for 60 '! kill -0 $fast 2>/dev/null && ! kill -0 $slow 2>/dev/null' ||
		{ kill -9 $fast $slow 2>/dev/null; fail "a monitor did not see the link close within 60 s"; }
	wait $fast
	status=$?
	sed 's/^/fast monitor: /' /tmp/mon-fast.out
	[ $status = 0 ] || fail "fast monitor: $(tail -n 1 /tmp/mon-fast.out)"
	wait $slow
	status=$?
	sed 's/^/slow monitor: /' /tmp/mon-slow.out
	[ $status = 0 ] || fail "slow monitor: $(tail -n 1 /tmp/mon-slow.out)"
	[ "$(grep -c ' dropped 0 ' /tmp/mon-fast.out)" = 2 ] ||
		fail "the fast monitor dropped messages: $(grep dropped /tmp/mon-fast.out | tr '\n' ' ')"
	grep -q ' 0 echoes of dropped messages unchecked' /tmp/mon-fast.out ||
		fail "the fast monitor left echoes unchecked"
	within 10 rmmod kucomms_longtest || fail "rmmod kucomms_longtest failed or hung"
}

# Wireshark's side: the extcap program (native/examples/kucomms_extcap.c),
# put in a tmpfs mounted over Wireshark's extcap folder (the host's stays
# untouched), makes tshark list the monitor's interfaces and capture the
# longtest pair live, decoded by the dissector `kucomms-studio gen lua`
# generates for the longtest layout.
test_tshark_captures_through_the_extcap() {
	# Both found by run.mjs on the host (tshark -G folders, gen lua), where
	# they take a second instead of a minute and a half.
	local dir lua=kernel/test/.cache/longtest.lua out lt status
	dir=$(cat kernel/test/.cache/extcap-dir 2>/dev/null)
	[ -d "$dir" ] || fail "no extcap folder from tshark -G folders (got '$dir')"
	[ -f $lua ] || fail "$lua is missing (run.mjs generates it)"
	[ -x native/build/kucomms_extcap ] || fail "native/build/kucomms_extcap is missing (make -C native builds it)"
	mount -t tmpfs tmpfs "$dir" || fail "cannot mount a tmpfs over $dir"
	cp native/build/kucomms_extcap "$dir/"
	export HOME=/tmp
	load_module kucomms_longtest || { umount "$dir"; fail "loading kucomms_longtest failed"; }
	out=$(tshark -D 2>&1)
	echo "$out" | grep -q "kumon-kucomms_longtest" || { umount "$dir"; rmmod kucomms_longtest; fail "tshark -D does not list kumon-kucomms_longtest: $(echo "$out" | tail -n 3 | tr '\n' ' ')"; }
	$LONGTEST /dev/kucomms_longtest > /tmp/longtest.out 2>&1 &
	lt=$!
	within 120 tshark -i kumon-kucomms_longtest -a packets:60 -X lua_script:$lua \
		-T fields -E separator=, -e kucomms_longtest.direction -e kucomms_longtest.type \
		-e kucomms_longtest.id -e kucomms_longtest.sequence.fill -e frame.comment \
		> /tmp/tshark.out 2> /tmp/tshark.err
	status=$?
	kill -INT $lt
	wait $lt
	within 10 rmmod kucomms_longtest
	umount "$dir"
	grep -v '^ \*\*\|dangerous' /tmp/tshark.err | sed 's/^/tshark: /'
	cut -c1-100 /tmp/tshark.out | head -n 3 | sed 's/^/tshark: /'
	[ $status = 124 ] && { kill -9 $WITHIN_PID; fail "tshark did not stop after 60 packets within 120 s"; }
	[ $status = 0 ] || fail "tshark failed (status $status): $(tail -n 2 /tmp/tshark.err | tr '\n' ' ')"
	expect_eq "$(wc -l < /tmp/tshark.out)" 60 "packets tshark printed"
	grep -Evq '^[01],[01],[0-9]+,' /tmp/tshark.out &&
		fail "a packet without the decoded direction, type and id: $(grep -Ev '^[01],[01],[0-9]+,' /tmp/tshark.out | head -n 1 | cut -c1-100)"
	grep -Eq '^1,1,[0-9]+,([0-9a-f]{2})*,link=[0-9]+ pid=[0-9]+ comm=kucomms_lib_lon' /tmp/tshark.out ||
		fail "no sequence message from the module decoded with its data, link, pid and command"
	grep -Eq '^0,0,[0-9]+,,link=' /tmp/tshark.out || fail "no message of the application to the module"
}

# A monitor of every device while devices are created and removed, links
# open and close, a process holding a link is killed with kill -9 and the
# user module is unloaded under traffic: every event shows, every link
# that opened closes, and nothing is left behind.
test_churn_watched() {
	local out dump churn holder
	rm -f /tmp/mon-all.ready
	"$MONITOR" -r /tmp/mon-all.ready /dev/kucomms > /tmp/mon-all.out 2> /tmp/mon-all.err &
	dump=$!
	wait_for 10 '[ -e /tmp/mon-all.ready ]' || fail "kucomms_monitor did not attach: $(cat /tmp/mon-all.err)"
	out=$(write_attr kucomms create_device kucomms_mon_a) || fail "create_device kucomms_mon_a: $out"
	"$TEST_BIN/attach_wait" /dev/kucomms_mon_a > /tmp/holder.out 2>&1 &
	holder=$!
	wait_for 10 'grep -q "^attached" /tmp/holder.out' || fail "attach_wait did not attach: $(cat /tmp/holder.out)"
	kill -9 $holder
	wait $holder
	wait_for 5 '[ "$(attr kucomms_mon_a links)" = 0 ]' || fail "the killed holder's link stayed"
	out=$(write_attr kucomms remove_device kucomms_mon_a) || fail "remove_device kucomms_mon_a: $out"

	"$TEST_BIN/module_churn" 4 /dev/kucomms_echo > /tmp/churn.out 2>&1 &
	churn=$!
	while kill -0 $churn 2>/dev/null; do
		within 10 rmmod kucomms_echo || { kill -9 $churn; fail "rmmod kucomms_echo failed or hung"; }
		load_module kucomms_echo || { kill -9 $churn; fail "loading kucomms_echo again failed"; }
	done
	wait $churn || fail "module_churn: $(grep -v ' links, ' /tmp/churn.out | head -n 1)"
	within 10 rmmod kucomms_echo || fail "rmmod kucomms_echo failed or hung"
	wait_for 20 'grep -q "^[0-9.]* kucomms_echo link=- .* event module-down" /tmp/mon-all.out &&
		[ "$(grep -c " event link-open " /tmp/mon-all.out)" = "$(grep -c " event link-close " /tmp/mon-all.out)" ]' ||
		fail "the monitor did not see every link close and the module go: $(grep -c " event link-open " /tmp/mon-all.out) opens, $(grep -c " event link-close " /tmp/mon-all.out) closes"
	grep -q "kucomms_mon_a link=- pid=0 comm=- event device-create" /tmp/mon-all.out || fail "no device-create event"
	grep -q "kucomms_mon_a link=- pid=0 comm=- event device-remove" /tmp/mon-all.out || fail "no device-remove event"
	grep -q "kucomms_mon_a link=0 pid=$holder comm=attach_wait event link-close value=9$" /tmp/mon-all.out ||
		fail "no close record with value 9 for the link of the process killed with kill -9"
	grep -q "kucomms_echo link=[0-9]* pid=[0-9]* comm=module_churn event link-hangup" /tmp/mon-all.out ||
		fail "no hangup record of a link whose module was unloaded"
	[ "$(grep -c ' message ' /tmp/mon-all.out)" -gt 0 ] || fail "no message seen during the churn"
	echo "monitor of every device: $(wc -l < /tmp/mon-all.out) records, $(grep -c ' event ' /tmp/mon-all.out) events, $(grep -c ' drop ' /tmp/mon-all.out) drop records"

	# rmmod kucomms with a monitor open fails at once; then it works.
	within 10 rmmod kucomms 2> /tmp/rmmod.err && fail "rmmod kucomms worked with a monitor open"
	[ $? = 124 ] && fail "rmmod kucomms with a monitor open hung"
	kill -INT $dump
	wait $dump || fail "kucomms_monitor: $(cat /tmp/mon-all.err)"
	expect_no_live_objects "after the monitor closed"
	within 10 rmmod kucomms || fail "rmmod kucomms failed or hung once the monitor closed"
}

run_test "monitor: without kucomms loaded the reader says to load it" test_no_module_no_monitor
run_test "monitor: load kucomms and kucomms_echo; /dev/kumon is root-only" test_setup
run_ctests monitor
run_test "monitor: kucomms_lib_longtest watched for 20 s: received + dropped equal the device counters, contents check out" test_longtest_watched
run_test "monitor: tshark lists the monitor through the extcap and captures longtest live, decoded by the generated dissector" test_tshark_captures_through_the_extcap
run_test "monitor: every device watched while devices, links and the module come and go; rmmod kucomms refused while it is open" test_churn_watched
