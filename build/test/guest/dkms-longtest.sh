#!/bin/sh
# Runs inside the test VM (kernel/test/vm.mjs) after kucomms-dkms was
# installed on the host: loads the modules DKMS built, lets udev apply the
# package's rule, and runs the reference manual's longtest transcript.
# It asserts nothing itself; it prints what it saw as "@@pkg KEY VALUE"
# lines (and the program's output as "@@longtest LINE", the kernel log as
# "@@dmesg LINE") for build/test/package.test.mjs to judge.
#
#   dkms-longtest.sh LONGTEST_BINARY SECONDS [OWN_MODULE OWN_DAEMON OWN_DAEMON_CHANGED OWN_LIBDIR]
#
# With OWN_*: a module of a user's own (built against the installed
# package) serves /dev/kucomms_own and registers its protocol; OWN_DAEMON,
# built from the same layout and linked against the libkucomms in
# OWN_LIBDIR, checks the protocol, sends a reading and prints the echo;
# OWN_DAEMON_CHANGED, built from the layout changed on its side, refuses.
longtest=$1
seconds=$2
own_module=${3:-}
own_daemon=${4:-}
own_daemon_changed=${5:-}
own_libdir=${6:-}
kver=$KUCOMMS_KERNEL_VERSION
sysfs=/sys/devices/virtual/kucomms/kucomms

say() { echo "@@pkg $*"; }

# Kernel messages on the console would interleave with these lines.
dmesg -n 1

# Load a module the way a user does, and report which file modprobe
# inserted (after depmod, the DKMS copy in updates/dkms wins over any other).
load() {
	out=$(modprobe -v "$1" 2>&1)
	say "modprobe-$1 $?"
	say "insmod-$1 $(echo "$out" | sed -n "s|^insmod \([^ ]*/$1\.ko\).*|\1|p")"
}

# Wait (bounded) until udev has given @2 the owner group @1.
wait_for_group() {
	tries=0
	while [ "$(stat -c %G "$2" 2>/dev/null)" != "$1" ] && [ $tries -lt 50 ]; do
		sleep 0.2
		tries=$((tries + 1))
	done
}

/lib/systemd/systemd-udevd --daemon >/dev/null 2>&1
say "udevd $?"

load kucomms
echo kucomms_longtest > "$sysfs/create_device"
say "create-device $?"
wait_for_group kucomms /dev/kucomms_longtest
say "node $(stat -c '%G %a' /dev/kucomms_longtest 2>&1)"
load kucomms_longtest

# Opening the device as an unprivileged user, with and without the group.
nobody=$(id -u nobody)
kucomms_gid=$(getent group kucomms | cut -d: -f3)
setpriv --reuid="$nobody" --regid="$nobody" --groups="$kucomms_gid" \
	sh -c 'exec 3<>/dev/kucomms_longtest' 2>/dev/null
say "open-as-member $?"
setpriv --reuid="$nobody" --regid="$nobody" --clear-groups \
	sh -c 'exec 3<>/dev/kucomms_longtest' 2>/dev/null
say "open-as-nonmember $?"

"$longtest" /dev/kucomms_longtest >/tmp/longtest.out 2>&1 &
pid=$!
sleep "$seconds"
kill -INT $pid
wait $pid
status=$?
sed 's/^/@@longtest /' /tmp/longtest.out
say "longtest-exit $status"

# The other two example modules each serve a device of their own name.
for module in kucomms_echo kucomms_tutorial; do
	echo $module > "$sysfs/create_device"
	load $module
done

if [ -n "$own_module" ]; then
	echo kucomms_own > "$sysfs/create_device"
	insmod "$own_module"
	say "own-insmod $?"
	say "own-protocol $(cat /sys/class/kucomms/kucomms_own/protocol_name \
		/sys/class/kucomms/kucomms_own/protocol_version \
		/sys/class/kucomms/kucomms_own/protocol_hash | tr '\n' ' ' | sed 's/ $//')"
	for which in same changed; do
		if [ $which = same ]; then daemon=$own_daemon; else daemon=$own_daemon_changed; fi
		LD_LIBRARY_PATH=$own_libdir timeout 60 "$daemon" /dev/kucomms_own >/tmp/own.out 2>&1
		status=$?
		say "own-$which $(sed -n 1p /tmp/own.out)"
		say "own-$which-echo $(sed -n 2p /tmp/own.out)"
		say "own-$which-exit $status"
	done
	rmmod kucomms_own
	say "own-rmmod $?"
fi

for module in kucomms_tutorial kucomms_echo kucomms_longtest kucomms; do
	rmmod "$module"
	say "rmmod-$module $?"
done

dmesg | sed 's/^/@@dmesg /'
exit 0
