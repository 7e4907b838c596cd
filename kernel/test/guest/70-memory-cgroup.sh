#!/bin/bash
# Link memory is the opener's: a process in a memory cgroup limited to
# 16 MiB cannot set up a link of two 16 MiB rings (SETUP fails with
# ENOMEM, no OOM kill, nothing in the kernel log), while a link of default
# rings fits and the large one works outside the cgroup.
. kernel/test/guest-lib.sh

CGROOT=/sys/fs/cgroup
CG=$CGROOT/kucomms_test
BIG=$((16 * 1024 * 1024))

test_setup() {
	local out
	load_module kucomms || fail "loading kucomms failed"
	out=$(write_attr kucomms create_device kucomms_mem) || fail "create_device kucomms_mem: $out"
	if ! grep -q " $CGROOT cgroup2 " /proc/mounts; then
		mount -t cgroup2 none $CGROOT || fail "cannot mount cgroup2 on $CGROOT"
	fi
	grep -qw memory $CGROOT/cgroup.controllers ||
		fail "no memory controller in $CGROOT/cgroup.controllers: $(cat $CGROOT/cgroup.controllers)"
	echo +memory > $CGROOT/cgroup.subtree_control || fail "cannot enable the memory controller"
	mkdir -p $CG && echo 16M > $CG/memory.max || fail "cannot make a cgroup limited to 16 MiB"
}

# Run link_setup with $1 $2 as ring capacities inside the limited cgroup.
setup_in_cgroup() {
	bash -c "echo \$\$ > $CG/cgroup.procs && exec $TEST_BIN/link_setup /dev/kucomms_mem $1 $2"
}

test_large_link_refused_in_the_cgroup() {
	local out
	mark_kmsg
	out=$(setup_in_cgroup $BIG $BIG)
	expect_eq "$out" "setup: Cannot allocate memory" "SETUP of two 16 MiB rings in a 16 MiB cgroup"
	expect_eq "$(awk '$1 == "oom_kill" {print $2}' $CG/memory.events)" 0 "oom_kill in the cgroup's memory.events"
	! kmsg_since_mark | grep -Eiq 'oom|alloc|Call Trace|kucomms' ||
		fail "the kernel logged: $(kmsg_since_mark | head -n 3 | tr '\n' '|')"
}

test_default_link_fits_in_the_cgroup() {
	expect_eq "$(setup_in_cgroup 0 0)" "setup: ok" "SETUP of default rings in a 16 MiB cgroup"
}

test_large_link_outside_the_cgroup() {
	expect_eq "$($TEST_BIN/link_setup /dev/kucomms_mem $BIG $BIG)" "setup: ok" \
		"SETUP of two 16 MiB rings outside the cgroup"
}

test_teardown() {
	local a out
	for a in live_links live_rings live_pages; do
		expect_eq "$(attr kucomms $a)" 0 "kucomms/$a"
	done
	rmdir $CG || fail "cannot remove the test cgroup"
	out=$(write_attr kucomms remove_device kucomms_mem) || fail "remove_device kucomms_mem: $out"
	within 10 rmmod kucomms || fail "rmmod kucomms failed or hung"
}

run_test "memory cgroup: load kucomms, create kucomms_mem, a cgroup limited to 16 MiB" test_setup
run_test "memory cgroup: 32 MiB of rings are refused with ENOMEM in the 16 MiB cgroup, no OOM kill" test_large_link_refused_in_the_cgroup
run_test "memory cgroup: default rings fit in the 16 MiB cgroup" test_default_link_fits_in_the_cgroup
run_test "memory cgroup: 32 MiB of rings outside the cgroup are set up" test_large_link_outside_the_cgroup
run_test "memory cgroup: no live object left, kucomms unloads" test_teardown
