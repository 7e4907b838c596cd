# Helpers for the guest test scripts (bash, sourced), run inside the VM as
# root from the repository's top directory.
#
#	test_create_refuses_bad_prefix() {
#		write_attr kucomms create_device foo_bar && fail "accepted foo_bar"
#		expect_eq "$(attr kucomms live_devices)" 0 "live_devices"
#	}
#	run_test "create_device refuses a name without the prefix" test_create_refuses_bad_prefix
#
# Each run_test prints "@@begin NAME" and then "@@ok - NAME" or
# "@@not ok - NAME: WHY"; run.mjs turns these into the suite's lines and
# finds the names to expect by reading the run_test lines of each script, so
# a test name is always a literal string. A test body runs in a subshell:
# fail prints the reason and ends that test only.
#
# Modules are loaded with load_module NAME: insmod from the build tree
# (kernel/kucomms.ko, kernel/examples/NAME.ko) or, with
# KUCOMMS_LOAD=modprobe, modprobe from /lib/modules (a DKMS install).

KUCOMMS_SYS=/sys/devices/virtual/kucomms
TEST_BIN=${TEST_BIN:-kernel/test/.cache/bin}
WHY_FILE=/tmp/kucomms-test-why

fail() {
	echo "$*" >> "$WHY_FILE"
	exit 1
}

run_test() {
	local name=$1 status why
	shift
	print_uptime
	echo "@@begin $name"
	: > "$WHY_FILE"
	("$@")
	status=$?
	why=$(head -n 1 "$WHY_FILE")
	print_uptime
	if [ $status = 0 ] && [ -z "$why" ]; then
		echo "@@ok - $name"
	else
		echo "@@not ok - $name: ${why:-the test ended with status $status}"
	fi
}

# Run a C test binary built with native/tests/testing.h and forward its
# results as markers (run.mjs expects the TEST() names of PROGRAM.c).
run_ctests() {
	local program=$1 line status
	shift
	print_uptime
	echo "@@begin $program"
	"$TEST_BIN/$program" "$@" > /tmp/ctest.out 2>&1
	status=$?
	while IFS= read -r line; do
		case $line in
		"ok - "* | "not ok - "*) echo "@@$line" ;;
		*) echo "$program: $line" ;;
		esac
	done < /tmp/ctest.out
	print_uptime
	case $status in
	0 | 1) ;;
	*) echo "@@note $program exited with status $status" ;;
	esac
}

# "@@time SECONDS" since boot, before and after each test: the log then
# shows where the run's time goes.
print_uptime() {
	local up rest
	read -r up rest < /proc/uptime
	echo "@@time $up"
}

expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected $2, got ${1:-nothing}"
}

# One attribute's value (read by the shell itself: every exec is slow in
# the emulated guest).
attr() {
	local value
	read -r value < "$KUCOMMS_SYS/$1/$2" && echo "$value"
}

# Write $3 to an attribute with bash's own echo, so a refusal shows as the
# shell's "write error: <errno text>"; prints that text, status as echo's.
write_attr() {
	local out status
	out=$(echo "$3" 2>&1 > "$KUCOMMS_SYS/$1/$2")
	status=$?
	[ -n "$out" ] && echo "$out"
	return $status
}

# The same with printf(1), for values echo cannot write (no newline, an
# embedded newline). Not bash's builtin printf: it writes line by line, and
# the attribute must get the value in one write().
printf_attr() {
	local out status
	out=$(/usr/bin/printf "$3" 2>&1 > "$KUCOMMS_SYS/$1/$2")
	status=$?
	[ -n "$out" ] && echo "$out"
	return $status
}

load_module() {
	if [ "$KUCOMMS_LOAD" = modprobe ]; then
		modprobe "$1"
	elif [ "$1" = kucomms ]; then
		insmod kernel/kucomms.ko
	else
		insmod "kernel/examples/$1.ko"
	fi
}

# Run a command in the background and wait at most $1 seconds for it: a
# command stuck in the kernel must fail its test, not hang the whole run.
# Status 124 when it did not finish (it is left behind, as $WITHIN_PID).
within() {
	local seconds=$1 i
	shift
	"$@" &
	WITHIN_PID=$!
	for i in $(seq $((seconds * 10))); do
		kill -0 $WITHIN_PID 2>/dev/null || { wait $WITHIN_PID; return; }
		sleep 0.1
	done
	return 124
}

# Wait up to $1 seconds for a shell condition to hold.
wait_for() {
	local seconds=$1 i
	shift
	for i in $(seq $((seconds * 10))); do
		eval "$@" && return 0
		sleep 0.1
	done
	return 1
}

# Kernel log lines written since mark_kmsg last ran.
mark_kmsg() {
	KMSG_MARK="kucomms-test mark $RANDOM$RANDOM"
	echo "$KMSG_MARK" > /dev/kmsg
}

kmsg_since_mark() {
	dmesg | awk -v mark="$KMSG_MARK" 'seen { print } index($0, mark) { seen = 1 }'
}

# Kernel log lines that mean the kernel is broken.
KERNEL_BAD='Oops|BUG|WARNING|general protection|Call Trace|KASAN|UBSAN|Poison overwritten|Redzone|Object padding|Freepointer|corrupted|list_add corruption|list_del corruption|double free'

# Unload every kucomms module still loaded (user modules first).
unload_all() {
	local m
	for m in $(lsmod | awk '$1 ~ /^kucomms_/ {print $1}') kucomms; do
		lsmod | grep -q "^$m " && rmmod "$m"
	done
}
