#!/usr/bin/env node
// The kernel benchmark (not a test): in one boot, the echo round trip and
// one-way throughput of kucomms_echo over its device rings, against two
// baselines a kernel developer could pick instead: a plain read()/write()
// echo character device and a generic netlink echo family (both in
// kernel/test/modules/). Prints one JSON object per line, like bench:native:
// name, transport ("kucomms-device", "chardev-rw" or "genetlink"), payload
// and the figures, then a closing "goals" row. The guest runs under
// software emulation: its timings are only comparable with each other,
// within one boot, never with the host's or another run's.
//
//   node kernel/test/bench.mjs
//   node kernel/test/bench.mjs --profile kucomms /dev/kucomms_echo one_way 64
//
// --profile runs one row of bench_echo under perf record in the guest
// (software clock, all CPUs) and prints where its time went.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findKernelVersion, repoRoot, runGuest } from './vm.mjs';
import { goalsRow } from './bench-goals.mjs';

function build(args) {
	const r = spawnSync(args[0], args.slice(1), { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 26 });
	if (r.status !== 0)
		throw new Error(`${args.join(' ')} failed:\n${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-8).join('\n')}`);
}

const profileArgs = process.argv[2] === '--profile' ? process.argv.slice(3) : [];

try {
	const version = findKernelVersion();
	const bin = path.join(repoRoot, 'kernel/test/.cache/bin');
	build(['make', '-C', 'kernel']);
	build(['make', '-C', `/lib/modules/${version}/build`, `M=${path.join(repoRoot, 'kernel/test/modules')}`, 'modules']);
	build(['make', '-C', 'kernel/test/programs', `OUT=${bin}`, `${bin}/bench_echo`]);
	console.log(JSON.stringify({
		name: 'note',
		note: 'emulated guest (QEMU TCG, no KVM): compare these figures only with each other, from the same boot',
		kernel: version,
	}));
	const rows = [];
	const run = await runGuest({
		// The TSC as the guest's clock, as on real hardware: under emulation
		// the kernel falls back to the HPET, whose every read (a timestamp)
		// is an emulated device access that costs microseconds.
		script: 'kernel/test/bench-guest.sh', args: profileArgs, version, timeoutMs: 900_000,
		append: 'tsc=reliable clocksource=tsc',
		onLine: (line) => {
			const m = /@@bench (\{.*\})\s*$/.exec(line);
			if (m) {
				rows.push(JSON.parse(m[1]));
				console.log(m[1]);
			}
			const p = /@@profile (.*?)\s*$/.exec(line);
			if (p)
				console.log(p[1]);
		},
	});
	if (run.exitCode !== 0) {
		console.error(run.lines.filter((l) => /bench_echo|genl|@@kucomms-vm|insmod|rmmod/.test(l)).join('\n'));
		throw new Error(run.timedOut ? 'the benchmark timed out' : `the guest's benchmark script failed (status ${run.exitCode})`);
	}
	if (!profileArgs.length)
		console.log(JSON.stringify(goalsRow(rows)));
} catch (err) {
	console.error(`bench:kernel: ${err.message}`);
	process.exitCode = 1;
}
