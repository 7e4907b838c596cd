#!/bin/bash
# Inside the VM for bench.mjs: load kucomms with kucomms_echo and the
# read()/write() baseline, run bench_echo against both and against
# kucomms_echo under a monitor, print its JSON lines prefixed with "@@bench ".
. kernel/test/guest-lib.sh

load_module kucomms || exit 1
write_attr kucomms create_device kucomms_echo || exit 1
load_module kucomms_echo || exit 1
insmod kernel/test/modules/kucomms_bench_rw.ko || exit 1
status=0
for run in "kucomms /dev/kucomms_echo" "rw /dev/kucomms_bench_rw" "monitor /dev/kucomms_echo"; do
	"$TEST_BIN/bench_echo" $run > /tmp/bench.out || status=1
	sed 's/^/@@bench /' /tmp/bench.out
done
rmmod kucomms_bench_rw kucomms_echo kucomms
exit $status
