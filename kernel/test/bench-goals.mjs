// The closing "goals" row of bench:kernel: every goal of the kernel path,
// each as a ratio of two rows of the same boot, with what it measured,
// its target and whether it is met.
//
//   goalsRow(rows) -> { name: 'goals', <goal>: { measured, target, met, against }, ..., all_met }
//
// A goal whose rows are missing (a row failed) is listed with measured
// null and met false.

const PAYLOADS = [64, 1024, 4096];
const BASELINES = ['chardev-rw', 'genetlink'];

function find(rows, name, transport, payload, mode) {
	return rows.find((r) => r.name === name && r.transport === transport && r.payload === payload &&
		(mode === undefined || r.mode === mode));
}

function goal(measured, op, limit, against) {
	const known = Number.isFinite(measured);
	const met = known && (op === '>=' ? measured >= limit : measured <= limit);
	return { measured: known ? Number(measured.toFixed(3)) : null, target: `${op} ${limit}`, met, against };
}

// kucomms' one-way rate over a baseline's: at least 1.5x the read()/write()
// device at 64 B and 1 KiB, at least equal at 4 KiB and to generic netlink.
function throughputGoals(rows) {
	const goals = {};
	for (const baseline of BASELINES) {
		for (const payload of PAYLOADS) {
			const limit = baseline === 'chardev-rw' && payload < 4096 ? 1.5 : 1;
			const k = find(rows, 'one_way', 'kucomms-device', payload);
			const b = find(rows, 'one_way', baseline, payload);
			goals[`one_way_${payload}_vs_${baseline}`] = goal(k && b ? k.msgs_per_s / b.msgs_per_s : NaN, '>=', limit,
				`msgs_per_s over one_way ${baseline} ${payload}`);
		}
	}
	return goals;
}

// kucomms' spinning round trip no slower than either baseline's echo made
// inside the sending call (p50 over p50).
function roundTripGoals(rows) {
	const goals = {};
	for (const baseline of BASELINES) {
		for (const payload of PAYLOADS) {
			const k = find(rows, 'echo_rtt', 'kucomms-device', payload, 'spinning');
			const b = find(rows, 'echo_rtt', baseline, payload, 'in-call');
			goals[`echo_rtt_spinning_${payload}_vs_${baseline}`] = goal(k && b ? k.rtt_p50_us / b.rtt_p50_us : NaN,
				'<=', 1, `rtt_p50_us over echo_rtt ${baseline} ${payload} in-call`);
		}
	}
	return goals;
}

// The monitor's goal: at most 1.25x slower at 64 B, counted only when its
// reader kept up (no record dropped).
function monitorGoal(rows) {
	const m = find(rows, 'monitor_overhead', 'kucomms-device', 64);
	const measured = m && m.dropped === 0 ? m.slowdown : NaN;
	return {
		monitor_overhead_64: goal(measured, '<=', 1.25,
			m && m.dropped ? `slowdown, not counted: the monitor dropped ${m.dropped}` : 'slowdown of monitor_overhead 64'),
	};
}

export function goalsRow(rows) {
	const goals = { ...throughputGoals(rows), ...roundTripGoals(rows), ...monitorGoal(rows) };
	// Not a goal, reported beside the spinning one: the sleeping round trip.
	const sleeping = find(rows, 'echo_rtt', 'kucomms-device', 64, 'sleeping');
	const chardev = find(rows, 'echo_rtt', 'chardev-rw', 64, 'in-call');
	return {
		name: 'goals',
		...goals,
		all_met: Object.values(goals).every((g) => g.met),
		echo_rtt_sleeping_64_vs_chardev_rw: sleeping && chardev
			? Number((sleeping.rtt_p50_us / chardev.rtt_p50_us).toFixed(3)) : null,
	};
}
