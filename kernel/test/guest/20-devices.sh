#!/bin/bash
# create_device and remove_device: the names they accept, the errors a
# shell shows for the ones they refuse (with a reason in the kernel log),
# many devices at once, the device nodes, and every sysfs attribute.
. kernel/test/guest-lib.sh

# Write $2 (printf format) to $1 and expect the shell's "write error: $3".
# Each refusal must also leave a reason in the kernel log: counted here,
# checked by expect_reasons_logged (one dmesg per test, not per write,
# since every process costs under emulation).
REFUSALS=0
expect_refused() {
	local out
	[ $REFUSALS = 0 ] && mark_kmsg
	out=$(printf_attr kucomms "$1" "$2") && fail "writing '$2' to $1 succeeded"
	case $out in
	*"write error: $3"*) ;;
	*) fail "writing '$2' to $1: expected 'write error: $3', got '$out'" ;;
	esac
	REFUSALS=$((REFUSALS + 1))
}

expect_reasons_logged() {
	local reasons
	reasons=$(kmsg_since_mark | grep -c 'kucomms: ')
	[ "$reasons" -ge $REFUSALS ] ||
		fail "$REFUSALS writes refused, $reasons reasons in the kernel log: $(kmsg_since_mark | tr '\n' '|')"
}

test_bad_names_are_refused() {
	expect_refused create_device 'foo_bar\n' "Invalid argument"
	expect_refused create_device 'kucomms\n' "Invalid argument"
	expect_refused create_device 'kucomms_\n' "Invalid argument"
	expect_refused create_device '\n' "Invalid argument"
	expect_refused create_device 'kucomms_Foo\n' "Invalid argument"
	expect_refused create_device 'kucomms_a-b\n' "Invalid argument"
	expect_refused create_device 'kucomms_a b\n' "Invalid argument"
	expect_refused create_device 'kucomms_a\nb\n' "Invalid argument"
	expect_refused create_device 'kucomms_a\n\n' "Invalid argument"
	# 64 bytes: one more than the most.
	expect_refused create_device "kucomms_$(printf 'x%.0s' $(seq 56))\n" "Invalid argument"
	expect_eq "$(attr kucomms live_devices)" 0 "live_devices after refused names"
	[ -z "$(ls /dev | grep '^kucomms_')" ] || fail "device nodes appeared: $(ls /dev | grep '^kucomms_')"
	expect_reasons_logged
}

test_longest_name_and_no_newline_are_accepted() {
	local long="kucomms_$(printf 'y%.0s' $(seq 55))" out
	out=$(write_attr kucomms create_device "$long") || fail "63-byte name refused: $out"
	[ -c "/dev/$long" ] || fail "no /dev/$long"
	out=$(printf_attr kucomms create_device kucomms_no_newline) || fail "a name without newline refused: $out"
	[ -c /dev/kucomms_no_newline ] || fail "no /dev/kucomms_no_newline"
	out=$(write_attr kucomms remove_device "$long") || fail "removing the 63-byte name: $out"
	out=$(printf_attr kucomms remove_device kucomms_no_newline) || fail "removing kucomms_no_newline: $out"
	[ ! -e "/dev/$long" ] && [ ! -e /dev/kucomms_no_newline ] || fail "device nodes remain after remove_device"
}

test_duplicate_is_refused() {
	local out
	out=$(write_attr kucomms create_device kucomms_dup) || fail "first create: $out"
	expect_refused create_device 'kucomms_dup\n' "File exists"
	out=$(write_attr kucomms remove_device kucomms_dup) || fail "remove: $out"
	expect_reasons_logged
}

test_remove_of_a_missing_device_is_refused() {
	expect_refused remove_device 'kucomms_never_created\n' "No such device"
	expect_refused remove_device 'not_a_name\n' "Invalid argument"
	expect_reasons_logged
}

test_remove_in_use_is_refused() {
	local out
	out=$(write_attr kucomms create_device kucomms_busy) || fail "create: $out"
	exec 3<> /dev/kucomms_busy || fail "cannot open /dev/kucomms_busy"
	expect_eq "$(attr kucomms_busy links)" 1 "kucomms_busy/links with one descriptor open"
	expect_refused remove_device 'kucomms_busy\n' "Device or resource busy"
	exec 3>&-
	expect_eq "$(attr kucomms_busy links)" 0 "kucomms_busy/links after close"
	out=$(write_attr kucomms remove_device kucomms_busy) || fail "remove after close: $out"
	expect_reasons_logged
}

test_remove_with_a_registered_module_is_refused() {
	local out
	out=$(write_attr kucomms create_device kucomms_echo) || fail "create: $out"
	load_module kucomms_echo || fail "loading kucomms_echo failed"
	expect_refused remove_device 'kucomms_echo\n' "Device or resource busy"
	within 10 rmmod kucomms_echo || fail "rmmod kucomms_echo failed or hung"
	out=$(write_attr kucomms remove_device kucomms_echo) || fail "remove after rmmod: $out"
	expect_reasons_logged
}

test_registering_without_a_device_is_refused() {
	local out
	mark_kmsg
	out=$(load_module kucomms_echo 2>&1) && { rmmod kucomms_echo; fail "kucomms_echo loaded with no /dev/kucomms_echo"; }
	case $out in
	*"No such device"*) ;;
	*) fail "insmod kucomms_echo without its device: expected 'No such device', got '$out'" ;;
	esac
	kmsg_since_mark | grep -q "create_device" ||
		fail "no kernel log line telling to create the device first (got: $(kmsg_since_mark | tr '\n' ' '))"
}

test_sixty_four_devices_at_once() {
	local i
	# Plain writes, no command substitution: a fork per device is slow.
	for i in $(seq 0 63); do
		echo kucomms_many_$i 2>/tmp/err > $KUCOMMS_SYS/kucomms/create_device ||
			fail "creating device $((i + 1)) of 64: $(cat /tmp/err)"
	done
	expect_eq "$(attr kucomms live_devices)" 64 "live_devices"
	for i in $(seq 0 63); do
		[ -c /dev/kucomms_many_$i ] || fail "no /dev/kucomms_many_$i"
	done
	for i in $(seq 0 63); do
		echo kucomms_many_$i 2>/tmp/err > $KUCOMMS_SYS/kucomms/remove_device ||
			fail "removing device $((i + 1)) of 64: $(cat /tmp/err)"
	done
	expect_eq "$(attr kucomms live_devices)" 0 "live_devices after removing all"
	[ -z "$(ls /dev | grep '^kucomms_many')" ] || fail "device nodes remain after removal"
}

test_device_nodes_are_root_only() {
	local out
	out=$(write_attr kucomms create_device kucomms_mode) || fail "create: $out"
	expect_eq "$(stat -c '%F %a %U %G' /dev/kucomms_mode)" "character special file 600 root root" "/dev/kucomms_mode"
	expect_eq "$(stat -c '%F %a %U %G' /dev/kucomms)" "character special file 600 root root" "/dev/kucomms"
	out=$(write_attr kucomms remove_device kucomms_mode) || fail "remove: $out"
}

DEVICE_ATTRS="registered links rx_messages rx_bytes tx_messages tx_bytes full_events
	protocol_errors work_calls timer_calls work_ticks_skipped timer_ticks_skipped"

test_sysfs_attributes() {
	local a out modes expected=""
	out=$(write_attr kucomms create_device kucomms_echo) || fail "create: $out"
	# All modes in one stat: name, then octal mode.
	cd $KUCOMMS_SYS
	modes=$(stat -c '%n %a' kucomms/create_device kucomms/remove_device \
		kucomms/live_devices kucomms/live_links kucomms/live_rings kucomms/live_pages \
		$(for a in $DEVICE_ATTRS; do echo kucomms_echo/$a; done) 2>&1 | tr '\n' ' ')
	cd - > /dev/null
	expected="kucomms/create_device 200 kucomms/remove_device 200 kucomms/live_devices 444 "
	expected+="kucomms/live_links 444 kucomms/live_rings 444 kucomms/live_pages 444 "
	for a in $DEVICE_ATTRS; do expected+="kucomms_echo/$a 444 "; done
	expect_eq "$modes" "$expected" "attribute modes"
	for a in live_links live_rings live_pages; do
		expect_eq "$(attr kucomms $a)" 0 "kucomms/$a with nothing open"
	done
	expect_eq "$(attr kucomms live_devices)" 1 "kucomms/live_devices with one device"
	for a in $DEVICE_ATTRS; do
		expect_eq "$(attr kucomms_echo $a)" 0 "kucomms_echo/$a of a new device"
	done
	echo 5 2>/dev/null > $KUCOMMS_SYS/kucomms_echo/rx_messages && fail "writing a counter succeeded"
	load_module kucomms_echo || fail "loading kucomms_echo failed"
	expect_eq "$(attr kucomms_echo registered)" 1 "kucomms_echo/registered after loading the module"
	within 10 rmmod kucomms_echo || fail "rmmod kucomms_echo failed or hung"
	expect_eq "$(attr kucomms_echo registered)" 0 "kucomms_echo/registered after rmmod"
	out=$(write_attr kucomms remove_device kucomms_echo) || fail "remove: $out"
}

# The spin budget: off by default, set by root only, capped.
test_spin_budget() {
	local out v
	out=$(write_attr kucomms create_device kucomms_spin) || fail "create: $out"
	expect_eq "$(stat -c '%a %U' $KUCOMMS_SYS/kucomms_spin/spin_us)" "644 root" "spin_us mode and owner"
	expect_eq "$(attr kucomms_spin spin_us)" 0 "spin_us of a new device"
	out=$(write_attr kucomms_spin spin_us 1000) || fail "setting spin_us to its cap, 1000: $out"
	expect_eq "$(attr kucomms_spin spin_us)" 1000 "spin_us after setting it to 1000"
	mark_kmsg
	for v in 1001 -1 abc 4294967296; do
		out=$(write_attr kucomms_spin spin_us $v) && fail "spin_us took $v"
		case $out in
		*"write error: Invalid argument"*) ;;
		*) fail "spin_us $v: expected 'write error: Invalid argument', got '$out'" ;;
		esac
	done
	expect_eq "$(attr kucomms_spin spin_us)" 1000 "spin_us after the refused values"
	[ "$(kmsg_since_mark | grep -c 'spin_us: give a whole number of microseconds from 0 (off) to 1000')" = 4 ] ||
		fail "4 refusals, not 4 reasons in the kernel log: $(kmsg_since_mark | tr '\n' '|')"
	setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c \
		"echo 0 > $KUCOMMS_SYS/kucomms_spin/spin_us" 2>/dev/null && fail "an unprivileged user set spin_us"
	expect_eq "$(attr kucomms_spin spin_us)" 1000 "spin_us after an unprivileged write"
	out=$(write_attr kucomms remove_device kucomms_spin) || fail "remove: $out"
}

load_module kucomms || echo "@@note loading kucomms failed"
run_test "create_device refuses bad names with Invalid argument and a logged reason" test_bad_names_are_refused
run_test "create_device accepts a 63-byte name and a name without newline" test_longest_name_and_no_newline_are_accepted
run_test "create_device of an existing name fails with File exists" test_duplicate_is_refused
run_test "remove_device of a missing device fails with No such device" test_remove_of_a_missing_device_is_refused
run_test "remove_device of a device with an open link fails with Device or resource busy" test_remove_in_use_is_refused
run_test "remove_device of a device with a registered module fails with Device or resource busy" test_remove_with_a_registered_module_is_refused
run_test "a user module without its device is refused with No such device and a hint in the log" test_registering_without_a_device_is_refused
run_test "64 devices exist at once" test_sixty_four_devices_at_once
run_test "device nodes are character devices, mode 0600, root:root" test_device_nodes_are_root_only
run_test "sysfs attributes: modes, initial values, registered" test_sysfs_attributes
run_test "spin_us: 0 by default, root only (0644), up to 1000, other values refused with a reason logged" test_spin_budget
within 10 rmmod kucomms || echo "@@note rmmod kucomms failed"
