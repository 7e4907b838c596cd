#!/bin/bash
# The Studio's tests against the kucomms_echo module, for the kernel test
# VM: one node run of device-echo.guest.ts, each of its tests reported as a
# run_test of its own (the harness reads the names below before booting).
# Run from the repository's top directory, as root, inside the guest.
. kernel/test/guest-lib.sh

STUDIO_OUT=/tmp/studio-device-echo.out

studio_setup() {
	local out
	load_module kucomms || fail "loading kucomms failed"
	out=$(write_attr kucomms create_device kucomms_echo) || fail "create_device kucomms_echo: $out"
	load_module kucomms_echo || fail "loading kucomms_echo failed"
	within 240 node --import tsx --test --test-concurrency=1 \
		--test-reporter=./electron/services/testing/line-reporter.mjs \
		electron/services/testing/device-echo.guest.ts > "$STUDIO_OUT" 2>&1
	[ $? = 124 ] && fail "the node tests did not finish within 240 s"
	return 0
}

# Passes when node reported "ok - $1"; fails with node's reason otherwise.
studio_case() {
	local line
	line=$(grep -F -m 1 -e "ok - $1" "$STUDIO_OUT")
	case $line in
	"ok - $1") ;;
	"not ok - $1"*) fail "${line#not ok - $1: }" ;;
	*) fail "node did not report it: $(tail -n 2 "$STUDIO_OUT" | tr '\n' ' ')" ;;
	esac
}

studio_teardown() {
	within 10 rmmod kucomms_echo || fail "rmmod kucomms_echo failed or hung"
	within 10 rmmod kucomms || fail "rmmod kucomms failed or hung"
}

run_test "studio: load kucomms and kucomms_echo, run the Studio's device tests" studio_setup
run_test "studio: the targets list shows /dev/kucomms_echo" studio_case "the targets list shows /dev/kucomms_echo"
run_test "studio: a message comes back from /dev/kucomms_echo with every header field and byte, both directions reported" studio_case "a message comes back from /dev/kucomms_echo with every header field and byte, both directions reported"
run_test "studio: 10 000 messages come back from /dev/kucomms_echo complete and in order" studio_case "10 000 messages come back from /dev/kucomms_echo complete and in order"
run_test "studio: a message larger than /dev/kucomms_echo's ring allows is refused with EMSGSIZE" studio_case "a message larger than /dev/kucomms_echo's ring allows is refused with EMSGSIZE"
run_test "studio: kucomms-studio send --reply through /dev/kucomms_echo exits 0 and prints the echo" studio_case "kucomms-studio send --reply through /dev/kucomms_echo exits 0 and prints the echo"
run_test "studio: a device created through sysfs appears in the targets list and goes when removed" studio_case "a device created through sysfs appears in the targets list and goes when removed"
run_test "studio: both modules unload" studio_teardown
