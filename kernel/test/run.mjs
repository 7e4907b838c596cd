#!/usr/bin/env node
// The kernel test suite: check kernel/ with checkpatch.pl (checkpatch.mjs),
// build the modules, libkucomms and the test programs, boot Debian's kernel once (with the allocator's checks on) and
// run every guest script in kernel/test/guest/ against the real modules.
//
// Prints one line per test, "ok - NAME" or "not ok - NAME: WHY", then
// "N passed, N failed"; exits nonzero when anything failed. The names to
// expect are read from the guest scripts before booting (their run_test
// lines, and the TEST()s of each program a run_ctests line runs), so a test
// whose result never comes fails. Whatever the tests say, the suite fails
// when the kernel log shows an Oops, BUG, WARNING or a slab report.
//
//   node kernel/test/run.mjs [GUEST_SCRIPT...]   (default: all of them)
//
// The whole console log of the last run is kept in kernel/test/.cache/.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { checkKernelStyle } from './checkpatch.mjs';
import { findKernelVersion, repoRoot, runGuest } from './vm.mjs';

const testDir = path.join(repoRoot, 'kernel/test');
const binDir = path.join(testDir, '.cache/bin');
const logPath = path.join(testDir, '.cache/last-run.log');
// The allocator's checks (sanity, red zones, poisoning, owner tracking) on
// the kmalloc caches, where every object of the modules lives, and zeroed
// frees: a use-after-free or overflow then shows in the log. Limited to
// kmalloc-*, the boot and the tests take half the time they take with the
// checks on every cache.
const BOOT_ARGS = 'slub_debug=FZPU,kmalloc-* init_on_free=1';
// A guard against a hung guest, well above a full run on a busy machine (about
// 500 s of guest time).
const TIMEOUT_MS = 720_000;

// Kernel log lines that mean the kernel is broken (as guest-lib.sh's
// KERNEL_BAD, which the hostile test applies inside the guest).
const KERNEL_BAD = /Oops|\bBUG\b|WARNING|general protection|Call Trace|KASAN|UBSAN|Poison overwritten|Redzone|Object padding|Freepointer|corrupted|list_add corruption|list_del corruption|double free/;
// A guest test that provokes kernel warnings on purpose (95-fuzz.sh's planted
// module) writes these around them into the kernel log, and checks what is
// between them itself; the rule that the log shows nothing bad holds outside.
const EXPECTED_BEGIN = 'kucomms-test expected-warnings-begin';
const EXPECTED_END = 'kucomms-test expected-warnings-end';
// A line the kernel printed: "[  12.345678] ..." on the console or in dmesg.
const KERNEL_LINE = /\[\s*\d+\.\d{6}\]/;

let passed = 0;
let failed = 0;

function report(ok, name, why, details = []) {
	if (ok) {
		passed++;
		console.log(`ok - ${name}`);
	} else {
		failed++;
		console.log(`not ok - ${name}: ${why}`);
		for (const line of details)
			console.log(`#   ${line}`);
	}
}

// Run a build step; on failure return the last lines of its output.
function build(args, cwd = repoRoot) {
	const r = spawnSync(args[0], args.slice(1), { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
	if (r.status === 0)
		return null;
	const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim().split('\n');
	return out.slice(-8);
}

// What the extcap test in the guest needs from the host, where it is quick:
// the generated Lua dissector of the longtest layout, and the folder where
// tshark looks for extcap programs (tshark -G folders). Null, or why not.
function prepareWireshark() {
	const lua = path.join(testDir, '.cache/longtest.lua');
	const gen = build(['node', 'electron/cli/kucomms-studio.mjs', 'gen', 'lua', 'protocols/longtest.yaml', '-o', lua]);
	if (gen)
		return gen;
	const r = spawnSync('tshark', ['-G', 'folders'], { encoding: 'utf8' });
	const dir = /^Extcap path:\s*(.+)$/m.exec(r.stdout ?? '')?.[1]?.trim();
	if (!dir)
		return [`tshark -G folders names no extcap folder: ${r.error?.message ?? r.stderr}`];
	fs.writeFileSync(path.join(testDir, '.cache/extcap-dir'), `${dir}\n`);
	return null;
}

// The tests a guest script will report, in order.
function planOf(script) {
	const text = fs.readFileSync(path.join(repoRoot, script), 'utf8');
	const names = [];
	for (const m of text.matchAll(/^\s*run_(test|ctests)\s+("([^"]+)"|(\S+))/gm)) {
		if (m[1] === 'test') {
			names.push(m[3]);
			continue;
		}
		const source = path.join(testDir, 'programs', `${m[4]}.c`);
		const c = fs.readFileSync(source, 'utf8');
		for (const t of c.matchAll(/^TEST\((\w+)\)/gm))
			names.push(t[1]);
	}
	return names;
}

function guestScripts(requested) {
	if (requested.length)
		return requested.map((s) => path.relative(repoRoot, path.resolve(s)));
	return fs.readdirSync(path.join(testDir, 'guest'))
		.filter((f) => f.endsWith('.sh')).sort()
		.map((f) => `kernel/test/guest/${f}`);
}

async function main(requested) {
	const scripts = guestScripts(requested);
	const plan = scripts.map((s) => ({ script: s, names: planOf(s) }));
	const planned = plan.flatMap((p) => p.names);

	// Builds. The modules are a must; without libkucomms or a program only
	// the tests that use them fail (inside the guest, saying what is missing).
	let style;
	try {
		style = checkKernelStyle();
	} catch (err) {
		style = [err.message];
	}
	report(style.length === 0, 'checkpatch --no-tree: kernel/ follows the kernel coding style',
		`${style.length} problems, first: ${style[0]}`, style.slice(0, 40));
	const kernelBuild = build(['make', '-C', 'kernel']);
	report(!kernelBuild, 'build: make -C kernel', 'failed', kernelBuild ?? []);
	const plantedBuild = kernelBuild ?? build(['make', '-C', `/lib/modules/${findKernelVersion()}/build`,
		`M=${path.join(testDir, 'planted')}`, `KBUILD_EXTRA_SYMBOLS=${path.join(repoRoot, 'kernel/Module.symvers')}`, 'modules']);
	report(!plantedBuild, 'build: kernel/test/planted (the fuzzing target with planted bugs)', 'failed', plantedBuild ?? []);
	const nativeBuild = build(['make', '-C', 'native']);
	report(!nativeBuild, 'build: make -C native', 'failed', nativeBuild ?? []);
	const programsBuild = build(['make', '-k', '-C', 'kernel/test/programs', `OUT=${binDir}`]);
	report(!programsBuild, 'build: kernel/test/programs', 'failed', programsBuild ?? []);
	const wireshark = prepareWireshark();
	report(!wireshark, 'build: the longtest Lua dissector and the extcap folder for tshark', 'failed', wireshark ?? []);
	if (kernelBuild) {
		for (const { names } of plan)
			for (const name of names)
				report(false, name, 'not run: the modules did not build');
		return;
	}

	// Results as they stream in; a test fails too when the kernel printed
	// something bad between its start and its result.
	const results = new Map();
	let badLines = [];
	let badSinceBegin = [];
	let inDmesgDump = false;
	let inExpected = false;
	const notes = [];
	const onLine = (line) => {
		if (line.startsWith('@@dmesg-begin')) {
			inDmesgDump = true;
			inExpected = false;
		}
		if (line.startsWith('@@dmesg-end')) inDmesgDump = false;
		if (KERNEL_LINE.test(line) && line.includes(EXPECTED_BEGIN)) inExpected = true;
		if (KERNEL_LINE.test(line) && line.includes(EXPECTED_END)) inExpected = false;
		if (KERNEL_LINE.test(line) && KERNEL_BAD.test(line) && !line.startsWith('@@') && !inExpected) {
			// The dump at the end repeats what the console showed live.
			if (!inDmesgDump || !badLines.includes(line.replace(/^.*?(\[\s*\d+\.\d{6}\])/, '$1')))
				badLines.push(line.replace(/^.*?(\[\s*\d+\.\d{6}\])/, '$1'));
			badSinceBegin.push(line);
			return;
		}
		let m;
		if ((m = /@@begin (.*)$/.exec(line))) {
			badSinceBegin = [];
		} else if ((m = /@@(ok|not ok) - (.*)$/.exec(line))) {
			let [ok, name, why] = [m[1] === 'ok', m[2], ''];
			if (!ok) {
				// Names may hold ": " too: prefer the planned name that fits.
				const text = name;
				name = planned.find((n) => text.startsWith(`${n}: `)) ?? text.split(': ')[0];
				why = text.slice(name.length + 2) || 'failed';
			}
			if (ok && badSinceBegin.length) {
				ok = false;
				why = `the kernel log showed, during the test: ${badSinceBegin[0].trim()}`;
			}
			if (!results.has(name)) {
				results.set(name, { ok, why });
				report(ok, name, why);
			}
		} else if ((m = /@@note (.*)$/.exec(line))) {
			notes.push(m[1]);
		}
	};

	let run;
	try {
		// The hostile run's seed and length may be given to repeat a run.
		const env = Object.fromEntries(['HOSTILE_SEED', 'HOSTILE_SECONDS']
			.filter((k) => process.env[k]).map((k) => [k, process.env[k]]));
		run = await runGuest({
			script: 'kernel/test/guest-main.sh', args: scripts, append: BOOT_ARGS, env,
			timeoutMs: TIMEOUT_MS, onLine,
			// A stalled boot ran no test: what its kernel printed is the
			// emulator's trouble, not the modules'.
			onBootRetry: (note) => {
				console.log(`# ${note}`);
				badLines = [];
				badSinceBegin = [];
			},
		});
	} catch (err) {
		report(false, 'boot the test kernel', err.message);
		for (const { names } of plan)
			for (const name of names)
				report(false, name, 'not run: the guest did not boot');
		return;
	}
	fs.writeFileSync(logPath, `${run.log}\n`);

	const ended = run.timedOut ? `the run timed out after ${TIMEOUT_MS / 1000} s`
		: run.exitCode === null ? 'the guest stopped before the end (see the log)'
			: 'its script ended without reporting it';
	for (const { script, names } of plan)
		for (const name of names)
			if (!results.has(name))
				report(false, name, `no result from ${script}: ${ended}`);
	for (const note of notes)
		console.log(`# guest: ${note}`);
	for (const name of results.keys())
		if (!planned.includes(name))
			console.log(`# (${name} was reported but is not in any guest script's plan)`);
	report(badLines.length === 0, 'the kernel log shows no Oops, BUG, WARNING or slab report',
		`${badLines.length} bad lines, first: ${badLines[0]}`, badLines.slice(0, 40));
	report(run.exitCode === 0, 'the guest ran every script and powered off',
		ended.replace('its script ended without reporting it', `guest-main.sh exited with ${run.exitCode}`));
	if (failed)
		console.log(`# console log: ${path.relative(process.cwd(), logPath)} (${(run.elapsedMs / 1000).toFixed(0)} s)`);
}

try {
	await main(process.argv.slice(2));
} catch (err) {
	report(false, 'kernel test harness', err.stack ?? String(err));
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
