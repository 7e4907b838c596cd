#!/usr/bin/env node
// npm run test:package: the kucomms-dkms Debian package from build to purge.
//
// Lints the Studio's electron-builder configurations against their schema.
// Purges any earlier install, builds the deb with `npm run dist:dkms`,
// checks its control data, contents and maintainer scripts (dpkg-deb,
// lintian), installs it with dpkg -i, checks that DKMS built and installed
// the modules for the Debian kernel, boots that kernel in QEMU to run the
// reference manual's longtest transcript against the DKMS-built modules,
// then purges the package and checks that nothing of it is left.
// Along the way (library-packages.mjs): libkucomms's packages are built,
// inspected and unpacked, and a module and a daemon of a user's own are
// built from what the packages install and talk to each other in the guest.
//
// Runs as root on a machine with dkms and the headers of the kernel it
// boots (.ci/run installs them). One line per check, then "N passed,
// N failed"; a check that could not run because an earlier step failed is
// reported as failed, with the reason.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findKernelVersion, repoRoot, runGuest } from '../../kernel/test/vm.mjs';
import { configFiles, findSchema, lintConfigs } from './electron-builder-config.mjs';
import { libraryPackages, ownDaemons, ownHashes, ownLibdir, ownModule, ownModuleBuild } from './library-packages.mjs';

const pkg = 'kucomms-dkms';
const moduleNames = ['kucomms', 'kucomms_longtest', 'kucomms_echo', 'kucomms_tutorial'];
const udevRule = '/usr/lib/udev/rules.d/60-kucomms.rules';
const longtestBinary = 'native/build/kucomms_lib_longtest';
const longtestSeconds = 25; // two of its ten-second reports

const packageJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const version = packageJson.version;
const debPath = path.join(repoRoot, 'build/out', `${pkg}_${version}_all.deb`);

let passed = 0;
let failed = 0;
function report(name, failure) {
	if (failure) {
		failed++;
		console.log(`not ok - ${name}: ${failure}`);
	} else {
		passed++;
		console.log(`ok - ${name}`);
	}
}

// Run @fn and report it: it returns nothing when the check holds, or a
// string saying what was expected and what came instead. @needs is a
// reason string when an earlier step this check depends on failed.
async function check(name, fn, needs = null) {
	if (needs) {
		report(name, `not run: ${needs}`);
		return false;
	}
	let failure;
	try {
		failure = await fn();
	} catch (err) {
		failure = `threw ${err.stack ?? err}`;
	}
	report(name, failure);
	return !failure;
}

function run(command, args, options = {}) {
	const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
	if (r.error)
		return { status: null, stdout: '', stderr: `cannot run ${command}: ${r.error.message}`, all: '' };
	return { ...r, all: `${r.stdout}${r.stderr}` };
}

function tail(text, lines = 15) {
	return text.trim().split('\n').slice(-lines).join(' | ');
}

function commandFailure(what, r) {
	return r.status === 0 ? undefined : `${what} exited with ${r.status}: ${tail(r.all)}`;
}

function dkmsStatus() {
	return run('dkms', ['status', '-m', 'kucomms']).stdout.trim();
}

// dpkg with the lock waited for: other work on the machine (an apt-get
// install) may hold it for a while, which is not this package's failure.
//
// With @withoutHeaders, dpkg runs in a private mount namespace whose
// /lib/modules holds the kernel's directory but not its headers (build
// link), as on a machine where they were never installed.
function dpkg(args, { withoutHeaders = false } = {}) {
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const [command, commandArgs] = withoutHeaders
		? ['unshare', ['--mount', 'sh', '-c',
			'mount -t tmpfs none /lib/modules && mkdir "/lib/modules/$0" && exec dpkg "$@"', kernel, ...args]]
		: ['dpkg', args];
	const deadline = Date.now() + 300_000;
	for (;;) {
		const r = run(command, commandArgs, { env });
		if (r.status !== 2 || !/lock/.test(r.stderr) || Date.now() > deadline)
			return r;
		spawnSync('sleep', ['2']);
	}
}

function purge() {
	return dpkg(['--purge', pkg]);
}

function isInstalled() {
	return run('dpkg-query', ['-W', '-f=${Status}', pkg]).stdout.includes('install ok installed');
}

// SPDX identifiers used in the sources, as DEP-5 names them.
const dep5License = {
	'MIT': 'Expat',
	'GPL-2.0': 'GPL-2',
	'GPL-2.0-only': 'GPL-2',
	'((GPL-2.0 WITH Linux-syscall-note) OR MIT)': 'GPL-2 with Linux-syscall-note exception or Expat',
};

// For every C source the package ships (repository paths), the licence of
// its SPDX line against the one the last matching Files stanza of
// build/dkms/copyright gives (DEP-5: the last match wins).
function copyrightMismatches() {
	const text = fs.readFileSync(path.join(repoRoot, 'build/dkms/copyright'), 'utf8');
	const stanzas = text.split(/\n\s*\n/).map((para) => {
		const files = para.match(/^Files:((?:.*\n?)(?:[ \t].*\n?)*)/m)?.[1];
		const license = para.match(/^License: (.*)$/m)?.[1];
		if (!files || !license) return null;
		const globs = files.trim().split(/\s+/).map((g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
		return { globs, license };
	}).filter(Boolean);
	const shipped = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', 'kernel', ':(exclude)kernel/test',
		'native/src', 'native/include', 'native/examples'], { cwd: repoRoot }).stdout.trim().split('\n');
	const wrong = [];
	for (const file of shipped.filter((f) => /\.(c|h|cpp|hpp)$/.test(f))) {
		const head = fs.readFileSync(path.join(repoRoot, file), 'utf8').split('\n').slice(0, 3).join('\n');
		const spdx = head.match(/SPDX-License-Identifier: (.*?)\s*(?:\*\/)?$/m)?.[1];
		const stanza = stanzas.filter((st) => st.globs.some((g) => g.test(file))).pop();
		if (!spdx)
			wrong.push(`${file} has no SPDX-License-Identifier line`);
		else if (!dep5License[spdx])
			wrong.push(`${file}: SPDX "${spdx}" has no DEP-5 name here yet`);
		else if (stanza?.license !== dep5License[spdx])
			wrong.push(`${file}: declares ${spdx}, so expected "License: ${dep5License[spdx]}", copyright says "${stanza?.license}"`);
	}
	return wrong;
}

const kernel = findKernelVersion();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kucomms-package-'));
let installed = false;

async function lintElectronBuilder() {
	await check(`${configFiles.join(' and ')} match electron-builder's schema`, () => {
		const schema = findSchema(repoRoot);
		if (!schema || !fs.existsSync(schema))
			return 'cannot lint: app-builder-lib (installed with electron-builder) is missing from node_modules, so its scheme.json is too';
		const problems = lintConfigs(repoRoot, schema);
		if (problems.length)
			return problems.slice(0, 6).join('; ');
	});
}

async function buildAndInspect() {
	await check('an earlier install is purged first, and the group it left', () => {
		const r = purge();
		if (r.status !== 0 && !/not installed/.test(r.all))
			return commandFailure(`dpkg --purge ${pkg}`, r);
		if (isInstalled())
			return `${pkg} still installed after dpkg --purge`;
		// Purge keeps the group by design; without it postinst's creating
		// the group would go untested on every run but the first.
		if (run('getent', ['group', 'kucomms']).status === 0) {
			const del = run('groupdel', ['kucomms']);
			if (del.status !== 0)
				return commandFailure('groupdel kucomms', del);
		}
	});

	fs.rmSync(debPath, { force: true });
	const built = await check(`npm run dist:dkms builds build/out/${path.basename(debPath)}`, () => {
		if (!packageJson.scripts?.['dist:dkms'])
			return 'package.json has no "dist:dkms" script';
		const r = run('npm', ['run', '--silent', 'dist:dkms'], { cwd: repoRoot });
		if (r.status !== 0)
			return commandFailure('npm run dist:dkms', r);
		if (!fs.existsSync(debPath))
			return `${debPath} does not exist after the build; it printed: ${tail(r.all)}`;
	});
	const noDeb = built ? null : 'the package was not built';

	const tree = path.join(scratch, 'tree');
	const control = path.join(scratch, 'control');
	if (built) {
		run('dpkg-deb', ['-x', debPath, tree]);
		run('dpkg-deb', ['-e', debPath, control]);
	}

	await check('control fields', () => {
		const expected = {
			Package: pkg, Version: version, Architecture: 'all', Section: 'kernel', Priority: 'optional',
			Depends: 'adduser, dkms', Recommends: 'linux-headers-amd64 | linux-headers-generic',
		};
		const wrong = [];
		for (const [field, want] of Object.entries(expected)) {
			const got = run('dpkg-deb', ['-f', debPath, field]).stdout.trim();
			if (got !== want)
				wrong.push(`${field}: expected "${want}", got "${got}"`);
		}
		return wrong.join('; ') || undefined;
	}, noDeb);

	const listing = built ? run('dpkg-deb', ['-c', debPath]).stdout.trim().split('\n') : [];
	const entries = listing.map((line) => {
		const m = line.match(/^(\S+)\s+(\S+)\s+\d+\s+\S+\s+\S+\s+\.\/(.*?)(?: -> .*)?$/);
		return m ? { mode: m[1], owner: m[2], path: `/${m[3]}`.replace(/\/$/, '') } : { line };
	});
	const paths = new Set(entries.map((e) => e.path));
	const src = `/usr/src/kucomms-${version}`;

	await check('every file is owned by root:root with Debian permissions', () => {
		const bad = entries.filter((e) => e.path === undefined || e.owner !== 'root/root' ||
			(e.mode[0] === 'd' ? e.mode !== 'drwxr-xr-x' : e.mode !== '-rw-r--r--'));
		if (bad.length)
			return `expected root/root, directories 0755, files 0644; got ${bad.slice(0, 5).map((e) => e.line ?? `${e.mode} ${e.owner} ${e.path}`).join(', ')}`;
	}, noDeb);

	await check(`module sources and dkms.conf in ${src}`, () => {
		const want = [`${src}/dkms.conf`, `${src}/Makefile`, `${src}/Kbuild`,
			`${src}/include/uapi/linux/kucomms.h`, `${src}/include/kucomms/ring.h`];
		const tracked = run('git', ['ls-files', 'kernel/core', 'kernel/examples', 'kernel/include'], { cwd: repoRoot })
			.stdout.trim().split('\n').filter(Boolean);
		want.push(...tracked.map((f) => `${src}/${f.slice('kernel/'.length)}`));
		const missing = want.filter((p) => !paths.has(p));
		const extra = [...paths].filter((p) => /\.(o|ko|mod|cmd)$|\/\.|\/test(\/|$)|Module\.symvers|modules\.order/.test(p.slice(src.length)) && p.startsWith(src));
		const problems = [];
		if (missing.length) problems.push(`missing ${missing.join(', ')}`);
		if (extra.length) problems.push(`build products or test files shipped: ${extra.join(', ')}`);
		return problems.join('; ') || undefined;
	}, noDeb);

	await check('the shipped dkms.conf builds all four modules as version ' + version, () => {
		const conf = fs.readFileSync(path.join(tree, src, 'dkms.conf'), 'utf8');
		const problems = [];
		if (!/^PACKAGE_NAME="?kucomms"?$/m.test(conf)) problems.push('PACKAGE_NAME is not "kucomms"');
		const v = conf.match(/^PACKAGE_VERSION="?([^"\n]*)"?$/m)?.[1];
		if (v !== version) problems.push(`PACKAGE_VERSION: expected ${version}, got ${v}`);
		const built = [...conf.matchAll(/^BUILT_MODULE_NAME\[\d+\]="?([^"\n]*)"?$/gm)].map((m) => m[1]);
		const missing = moduleNames.filter((m) => !built.includes(m));
		if (missing.length) problems.push(`BUILT_MODULE_NAME lacks ${missing.join(', ')} (has ${built.join(', ') || 'none'})`);
		return problems.join('; ') || undefined;
	}, noDeb);

	await check(`udev rule ${udevRule} gives /dev/kucomms* to group kucomms, mode 0660`, () => {
		if (!paths.has(udevRule))
			return `${udevRule} is not in the package`;
		const rules = fs.readFileSync(path.join(tree, udevRule), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
		const rule = rules.find((l) => /KERNEL=="kucomms\*"/.test(l));
		if (!rule || !/GROUP="kucomms"/.test(rule) || !/MODE="0660"/.test(rule))
			return `expected a rule matching KERNEL=="kucomms*" with GROUP="kucomms", MODE="0660"; got ${JSON.stringify(rules)}`;
	}, noDeb);

	await check('the monitor rule for group kucomms-monitor is shipped disabled, and the kucomms rule does not match /dev/kumon', () => {
		const shipped = '/usr/share/kucomms-dkms/61-kucomms-monitor.rules';
		if (!paths.has(shipped))
			return `${shipped} is not in the package`;
		const enabled = [...paths].filter((p) => /\/rules\.d\/.*monitor/.test(p));
		if (enabled.length)
			return `the monitor rule is enabled by default: ${enabled.join(', ')}`;
		const active = (file) => fs.readFileSync(path.join(tree, file), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
		const rule = active(shipped).find((l) => /KERNEL=="kumon"/.test(l));
		if (!rule || !/GROUP="kucomms-monitor"/.test(rule))
			return `expected a rule for KERNEL=="kumon" with GROUP="kucomms-monitor"; got ${JSON.stringify(active(shipped))}`;
		const kucommsRule = active(udevRule).find((l) => /GROUP="kucomms"/.test(l)) ?? '';
		const glob = /KERNEL=="([^"]*)"/.exec(kucommsRule)?.[1] ?? '*';
		if (new RegExp(`^${glob.replace(/\*/g, '.*')}$`).test('kumon'))
			return `the kucomms group's rule (${kucommsRule}) also matches kumon`;
	}, noDeb);

	await check('userspace examples with the headers they include', () => {
		const doc = '/usr/share/doc/kucomms-dkms/examples';
		const want = [`${doc}/kucomms_lib_longtest.c`, `${doc}/include/linux/kucomms.h`, `${doc}/include/kucomms/kucomms.h`];
		const missing = want.filter((p) => !paths.has(p));
		if (missing.length)
			return `missing ${missing.join(', ')}`;
	}, noDeb);

	await check('maintainer scripts: /bin/sh, set -e, hand-written dkms and addgroup calls', () => {
		const problems = [];
		const expect = {
			postinst: [/addgroup --system/, /dkms add /, /dkms build /, /dkms install /, /udevadm control --reload-rules/],
			prerm: [/dkms remove .*--all/],
			postrm: [/purge/],
		};
		for (const [script, patterns] of Object.entries(expect)) {
			const file = path.join(control, script);
			if (!fs.existsSync(file)) {
				problems.push(`${script} missing`);
				continue;
			}
			const text = fs.readFileSync(file, 'utf8');
			if (!text.startsWith('#!/bin/sh\n')) problems.push(`${script} does not start with #!/bin/sh`);
			if (!/^set -e$/m.test(text)) problems.push(`${script} has no "set -e" line`);
			if (/#DEBHELPER#|@VERSION@/.test(text)) problems.push(`${script} has an unexpanded placeholder`);
			if (!text.includes(`VERSION=${version}\n`) && script !== 'postrm') problems.push(`${script} does not set VERSION=${version}`);
			if ((fs.statSync(file).mode & 0o777) !== 0o755) problems.push(`${script} mode is not 0755`);
			const syntax = run('sh', ['-n', file]);
			if (syntax.status !== 0) problems.push(`${script}: sh -n: ${tail(syntax.all)}`);
			for (const p of patterns)
				if (!p.test(text)) problems.push(`${script} lacks ${p}`);
		}
		const md5 = run('md5sum', ['--check', '--quiet', path.join(control, 'md5sums')], { cwd: tree });
		if (md5.status !== 0) problems.push(`md5sums do not match the files: ${tail(md5.all)}`);
		return problems.join('; ') || undefined;
	}, noDeb);

	await check('build/dkms/copyright names the licence each shipped source file declares', () => {
		const wrong = copyrightMismatches();
		if (wrong.length)
			return wrong.slice(0, 8).join('; ');
	});

	await check('lintian reports no errors and no warnings', () => {
		const r = run('lintian', ['--fail-on', 'none', debPath]);
		if (r.status === null)
			return r.stderr;
		const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
		if (tags.length)
			return `expected none, got ${tags.join(' | ')}`;
		if (r.status !== 0)
			return commandFailure('lintian', r);
	}, noDeb);

	await check('the packaged examples build as their README says', () => {
		const copy = path.join(scratch, 'examples');
		fs.cpSync(path.join(tree, 'usr/share/doc/kucomms-dkms/examples'), copy, { recursive: true });
		const r = run('make', ['-C', copy]);
		if (r.status !== 0)
			return commandFailure(`make -C ${copy}`, r);
		if (!fs.existsSync(path.join(copy, 'kucomms_lib_longtest')))
			return `make succeeded but ${copy}/kucomms_lib_longtest does not exist`;
	}, noDeb);

	return noDeb;
}

async function install(noDeb) {
	await check('where no kernel has headers, dpkg -i succeeds and says which to install', () => {
		const r = dpkg(['-i', debPath], { withoutHeaders: true });
		installed = true;
		const problems = [];
		if (r.status !== 0)
			problems.push(commandFailure('dpkg -i without headers', r));
		if (!/no installed kernel has its headers/.test(r.stderr) || !/linux-headers-amd64/.test(r.stderr))
			problems.push(`expected postinst to name the missing headers on stderr, got: ${tail(r.stderr, 6)}`);
		const status = dkmsStatus();
		if (!/^kucomms\/[^ ]+: added$/m.test(status))
			problems.push(`expected dkms status "kucomms/${version}: added" (nothing to build for), got ${JSON.stringify(status)}`);
		const p = purge();
		if (p.status !== 0)
			problems.push(commandFailure('dpkg --purge after it', p));
		else if (dkmsStatus())
			problems.push(`dkms still lists ${JSON.stringify(dkmsStatus())} after the purge`);
		installed = isInstalled();
		return problems.join('; ') || undefined;
	}, noDeb);

	const ok = await check('dpkg -i installs the package', () => {
		const r = dpkg(['-i', debPath]);
		installed = true;
		if (r.status !== 0)
			return commandFailure('dpkg -i', r);
		if (!isInstalled())
			return `dpkg -i succeeded but dpkg-query does not show ${pkg} installed`;
	}, noDeb);
	const notInstalled = ok ? null : 'the package did not install';

	await check('postinst creates the kucomms system group', () => {
		const r = run('getent', ['group', 'kucomms']);
		if (r.status !== 0)
			return 'getent group kucomms finds nothing';
		const gid = Number(r.stdout.split(':')[2]);
		if (!(gid < 1000))
			return `expected a system group (gid below 1000), got gid ${gid}`;
	}, notInstalled);

	await check(`dkms status shows kucomms/${version} installed for ${kernel}`, () => {
		const status = dkmsStatus();
		const want = new RegExp(`^kucomms/${version.replace(/\./g, '\\.')}, ${kernel}, [^:]+: installed$`, 'm');
		if (!want.test(status))
			return `expected "kucomms/${version}, ${kernel}, <arch>: installed", got ${JSON.stringify(status)}`;
	}, notInstalled);

	const modulesInstalled = await check(`depmod finds the four DKMS-built modules in /lib/modules/${kernel}/updates/dkms`, () => {
		const wrong = [];
		for (const m of moduleNames) {
			const where = run('modinfo', ['-k', kernel, '-n', m]).all.trim();
			if (where !== `/lib/modules/${kernel}/updates/dkms/${m}.ko`)
				wrong.push(`${m}: ${where}`);
		}
		if (wrong.length)
			return `expected each at /lib/modules/${kernel}/updates/dkms/NAME.ko, got ${wrong.join('; ')}`;
	}, notInstalled);
	return { notInstalled, notReady: modulesInstalled ? null : 'the DKMS-built modules are not installed' };
}

// Facts the guest printed as "@@pkg KEY VALUE", its longtest output and log.
function parseGuest(lines) {
	const facts = new Map();
	const longtest = [];
	const dmesg = [];
	for (const line of lines) {
		let m = line.match(/^@@pkg (\S+) ?(.*)$/);
		if (m) facts.set(m[1], m[2]);
		else if ((m = line.match(/^@@longtest (.*)$/))) longtest.push(m[1]);
		else if ((m = line.match(/^@@dmesg (.*)$/))) dmesg.push(m[1]);
	}
	return { facts, longtest, dmesg };
}

// The two report lines of kucomms_lib_longtest, as in the reference manual.
function parseLongtest(lines) {
	const number = (line, key) => Number(line.match(new RegExp(`\\b${key}=(\\d+)`))?.[1]);
	const errors = lines.filter((l) => l.startsWith('avail_tx0='))
		.map((l) => ({ add: number(l, 'add_error_count'), compare: number(l, 'compare_error_count') }));
	const counters = lines.filter((l) => l.startsWith('sent_count_0=')).map((l) => ({
		sent_count_0: number(l, 'sent_count_0'), sent_count_1: number(l, 'sent_count_1'),
		received_count_0: number(l, 'received_count_0'), received_count_1: number(l, 'received_count_1'),
	}));
	return { errors, counters };
}

async function bootAndRun(notReady, notOwn) {
	let guest = null;
	if (!notReady && !fs.existsSync(path.join(repoRoot, longtestBinary)))
		run('npm', ['run', '--silent', 'build:native'], { cwd: repoRoot });
	const bootFailure = notReady ?? (fs.existsSync(path.join(repoRoot, longtestBinary))
		? null : `${longtestBinary} is missing and npm run build:native did not build it`);
	const booted = await check(`${kernel} boots in QEMU and runs the transcript to the end`, async () => {
		const result = await runGuest({
			script: 'build/test/guest/dkms-longtest.sh',
			args: [longtestBinary, String(longtestSeconds), ...(notOwn ? [] : [ownModule, ownDaemons.same, ownDaemons.changed, ownLibdir])],
			timeoutMs: 180_000,
		});
		guest = { ...result, ...parseGuest(result.lines) };
		if (result.exitCode !== 0)
			return `expected the guest script to report status 0, got ${result.timedOut ? 'a timeout' : result.exitCode}; console tail: ${tail(result.log)}`;
	}, bootFailure);
	const noGuest = booted ? null : bootFailure ?? 'the guest did not run the transcript';
	const fact = (key) => guest?.facts.get(key);

	for (const m of moduleNames) {
		await check(`modprobe ${m} in the guest loads the DKMS-built module`, () => {
			const problems = [];
			if (fact(`modprobe-${m}`) !== '0') problems.push(`modprobe exited with ${fact(`modprobe-${m}`)}`);
			const file = `/lib/modules/${kernel}/updates/dkms/${m}.ko`;
			if (fact(`insmod-${m}`) !== file) problems.push(`expected modprobe -v to insert ${file}, got "${fact(`insmod-${m}`)}"`);
			return problems.join('; ') || undefined;
		}, noGuest);
	}

	await check('with udev running, /dev/kucomms_longtest gets group kucomms and mode 0660', () => {
		if (fact('udevd') !== '0')
			return `systemd-udevd did not start in the guest (status ${fact('udevd')})`;
		if (fact('create-device') !== '0')
			return `echo kucomms_longtest > create_device failed with ${fact('create-device')}`;
		if (fact('node') !== 'kucomms 660')
			return `expected "kucomms 660" from stat -c '%G %a', got "${fact('node')}"`;
	}, noGuest);

	await check('a member of group kucomms opens /dev/kucomms_longtest without root', () =>
		(fact('open-as-member') === '0' ? undefined : `expected status 0 from the open, got ${fact('open-as-member')}`), noGuest);
	await check('a user outside group kucomms cannot open it', () =>
		(fact('open-as-nonmember') !== '0' && fact('open-as-nonmember') !== undefined ? undefined
			: `expected the open to fail, got status ${fact('open-as-nonmember')}`), noGuest);

	const { errors, counters } = parseLongtest(guest?.longtest ?? []);
	const output = () => JSON.stringify(guest.longtest.slice(-6));
	await check(`kucomms_lib_longtest prints both report lines at least twice in ${longtestSeconds} s`, () => {
		if (errors.length < 2 || counters.length < 2)
			return `expected 2 or more of each, got ${errors.length} avail_tx0 and ${counters.length} sent_count lines: ${output()}`;
	}, noGuest);
	await check('all four longtest counters grow between reports', () => {
		if (counters.length < 2)
			return 'fewer than two reports to compare';
		const [first, last] = [counters[0], counters[counters.length - 1]];
		const stuck = Object.keys(first).filter((k) => !(last[k] > first[k]));
		if (stuck.length)
			return `expected growth, got ${stuck.map((k) => `${k} ${first[k]} -> ${last[k]}`).join(', ')}`;
	}, noGuest);
	await check('longtest add_error_count and compare_error_count stay 0', () => {
		if (!errors.length)
			return 'no avail_tx0 line to read them from';
		const bad = errors.filter((e) => e.add !== 0 || e.compare !== 0);
		if (bad.length)
			return `expected 0 and 0, got ${bad.map((e) => `${e.add} and ${e.compare}`).join(', ')}`;
	}, noGuest);
	await check('the kucomms_longtest module logs its counters with both error counts 0', () => {
		const reports = guest.dmesg.filter((l) => /kucomms_longtest: link .*received_count_0=/.test(l));
		if (!reports.length)
			return `expected its ten-second report in the kernel log, found none among ${guest.dmesg.length} lines`;
		const bad = reports.filter((l) => !/add_error_count=0 : compare_error_count=0\s*$/.test(l));
		if (bad.length)
			return `expected add_error_count=0 : compare_error_count=0, got ${bad.join(' | ')}`;
	}, noGuest);
	await check('kucomms_lib_longtest exits with status 0 on SIGINT', () =>
		(fact('longtest-exit') === '0' ? undefined : `got status ${fact('longtest-exit')}: ${output()}`), noGuest);

	const hashes = notOwn ? {} : ownHashes(run);
	await check('the module of your own loads and shows its protocol in sysfs: own, version 1, the hash of own.yaml', () => {
		const problems = [];
		if (fact('own-insmod') !== '0') problems.push(`insmod kucomms_own.ko exited with ${fact('own-insmod')}`);
		const want = `own 1 ${hashes.same}`;
		if (fact('own-protocol') !== want)
			problems.push(`expected protocol_name, protocol_version and protocol_hash "${want}", got "${fact('own-protocol')}"`);
		if (fact('own-rmmod') !== '0') problems.push(`rmmod kucomms_own exited with ${fact('own-rmmod')}`);
		return problems.join('; ') || undefined;
	}, noGuest ?? notOwn);
	await check('the daemon from the same layout accepts the handshake, and the module echoes its reading', () => {
		const want = [`accepted own 1 hash ${hashes.same}`, 'echoed value=-1234 stamp=56789'];
		const got = [fact('own-same'), fact('own-same-echo')];
		if (got.join('|') !== want.join('|') || fact('own-same-exit') !== '0')
			return `expected ${JSON.stringify(want)} and exit 0, got ${JSON.stringify(got)} and exit ${fact('own-same-exit')}`;
	}, noGuest ?? notOwn);
	await check('the daemon from the layout changed on its side only refuses, naming both protocols and hashes', () => {
		const got = fact('own-changed') ?? '';
		const problems = [];
		if (fact('own-changed-exit') !== '3') problems.push(`expected exit 3, got ${fact('own-changed-exit')}`);
		if (!got.startsWith('refused: /dev/kucomms_own speaks protocol own 1 hash'))
			problems.push(`expected "refused: /dev/kucomms_own speaks protocol own 1 hash ...", got "${got}"`);
		for (const h of [hashes.same, hashes.changed])
			if (!got.includes(h)) problems.push(`hash ${h} is not named in "${got}"`);
		return problems.join('; ') || undefined;
	}, noGuest ?? notOwn);

	await check('every module unloads with rmmod', () => {
		const bad = [...moduleNames].reverse().filter((m) => fact(`rmmod-${m}`) !== '0');
		if (bad.length)
			return `rmmod failed for ${bad.map((m) => `${m} (${fact(`rmmod-${m}`)})`).join(', ')}`;
	}, noGuest);
	await check('no Oops, BUG, WARNING or general protection fault in the guest kernel log', () => {
		const bad = guest.dmesg.filter((l) => /Oops|BUG|WARNING|general protection|UBSAN|KASAN/.test(l));
		if (bad.length)
			return bad.slice(0, 5).join(' | ');
	}, noGuest);
}

async function removeAndCheck(notInstalled) {
	const purged = await check('dpkg --purge removes the package', () => {
		const r = purge();
		installed = false;
		if (r.status !== 0)
			return commandFailure(`dpkg --purge ${pkg}`, r);
		if (run('dpkg-query', ['-W', '-f=${Status}', pkg]).stdout.trim() !== '')
			return `dpkg-query still knows ${pkg} after purge`;
	});
	const notPurged = purged ? null : 'the purge failed';

	await check('nothing of the package is left behind', () => {
		const left = [];
		left.push(...fs.readdirSync('/usr/src').filter((d) => d.startsWith('kucomms-')).map((d) => `/usr/src/${d}`));
		if (dkmsStatus()) left.push(`dkms status: ${dkmsStatus()}`);
		if (fs.existsSync('/var/lib/dkms/kucomms')) left.push('/var/lib/dkms/kucomms');
		for (const k of fs.readdirSync('/lib/modules')) {
			const updates = path.join('/lib/modules', k, 'updates');
			if (!fs.existsSync(updates)) continue;
			for (const f of fs.readdirSync(updates, { recursive: true }))
				if (/^kucomms.*\.ko/.test(path.basename(f))) left.push(path.join(updates, f));
		}
		for (const dir of ['/usr/lib/udev/rules.d', '/lib/udev/rules.d', '/etc/udev/rules.d'])
			if (fs.existsSync(dir))
				left.push(...fs.readdirSync(dir).filter((f) => f.includes('kucomms')).map((f) => `${dir}/${f}`));
		if (fs.existsSync(`/usr/share/doc/${pkg}`)) left.push(`/usr/share/doc/${pkg}`);
		if (run('modinfo', ['-k', kernel, 'kucomms']).status === 0) left.push('modinfo still finds kucomms');
		if (left.length)
			return `expected nothing, found ${left.join(', ')}`;
	}, notPurged);

	await check('the kucomms group stays after purge, as Debian packages leave system groups', () =>
		(run('getent', ['group', 'kucomms']).status === 0 ? undefined : 'group kucomms is gone'), notInstalled ?? notPurged);
}

try {
	await lintElectronBuilder();
	const noDeb = await buildAndInspect();
	const noDaemon = await libraryPackages({ check, run, version });
	const { notInstalled, notReady } = await install(noDeb);
	const noModule = await ownModuleBuild({ check, run, kernel, notInstalled });
	await bootAndRun(notReady, noDaemon ?? noModule);
	await removeAndCheck(notInstalled);
} catch (err) {
	report('the package suite runs to the end', `threw ${err.stack ?? err}`);
} finally {
	// Never leave the package installed on the machine, whatever failed.
	if (installed)
		purge();
	fs.rmSync(scratch, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
