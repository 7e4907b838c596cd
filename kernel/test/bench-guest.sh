#!/bin/bash
# Inside the VM for bench.mjs: load kucomms with kucomms_echo and the two
# baselines (the read()/write() device and the generic netlink family), run
# bench_echo against the three, run by run in turn, and against kucomms_echo
# under a monitor, print its JSON lines prefixed with "@@bench ".
#
# With arguments, runs just "bench_echo ARGS" under perf record (software
# clock, every CPU, call graphs) and prints the report's top lines: where
# the time of one row goes, e.g. "kucomms /dev/kucomms_echo one_way 64".
. kernel/test/guest-lib.sh

load_module kucomms || exit 1
write_attr kucomms create_device kucomms_echo || exit 1
load_module kucomms_echo || exit 1
insmod kernel/test/modules/kucomms_bench_rw.ko || exit 1
insmod kernel/test/modules/kucomms_bench_genl.ko || exit 1
status=0
if [ $# -gt 0 ]; then
	perf record -q -e cpu-clock -a -g -o /tmp/perf.data -- "$TEST_BIN/bench_echo" "$@" | sed 's/^/@@bench /'
	perf report -i /tmp/perf.data --no-children --sort comm,dso,sym --stdio 2>/dev/null |
		grep -v '^$' | grep -v '^#' | grep '%' | head -60 | sed 's/^/@@profile /'
	exit 0
fi
for run in "compare /dev/kucomms_echo /dev/kucomms_bench_rw kucomms_bench" "monitor /dev/kucomms_echo"; do
	"$TEST_BIN/bench_echo" $run > /tmp/bench.out || status=1
	sed 's/^/@@bench /' /tmp/bench.out
done
rmmod kucomms_bench_genl kucomms_bench_rw kucomms_echo kucomms
exit $status
