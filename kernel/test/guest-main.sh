#!/bin/sh
# Inside the VM: run each guest test script given as an argument, one after
# the other, each from a clean slate (no kucomms module loaded), then print
# the whole kernel log between markers for run.mjs to check.
. kernel/test/guest-lib.sh

for script in "$@"; do
	echo "@@script $script"
	bash "$script"
	if lsmod | grep -q '^kucomms'; then
		echo "@@note $script left modules loaded: $(lsmod | awk '/^kucomms/ {print $1}' | tr '\n' ' ')"
		unload_all
	fi
done
echo "@@dmesg-begin"
dmesg
echo "@@dmesg-end"
