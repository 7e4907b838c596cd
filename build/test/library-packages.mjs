// The parts of npm run test:package about building on kucomms: libkucomms's
// Debian packages (libkucomms0, libkucomms-dev with the Wireshark extcap),
// and a kernel module and a daemon of a user's own built only from what the
// packages install. package.test.mjs calls these with its check() and run().
//
// libkucomms's packages are unpacked into a scratch root rather than
// installed with dpkg, so the test never writes the host's /usr/lib (the
// extcap would land in Wireshark's global folder); programs find the
// unpacked files through PKG_CONFIG_SYSROOT_DIR, as in a staged build.
// Everything the guest runs goes under build/out/own, which the guest sees
// (it hides the host's /tmp).
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../kernel/test/vm.mjs';

export const ownDir = path.join(repoRoot, 'build/out/own');
const libRoot = path.join(ownDir, 'root');
const multiarch = 'x86_64-linux-gnu';
const libdir = `/usr/lib/${multiarch}`;
export const ownLibdir = path.join(libRoot, libdir);
export const ownModule = path.join(ownDir, 'module/kucomms_own.ko');
// The daemon from own.yaml, and one from own-changed.yaml (the layout
// changed on the daemon's side only).
export const ownDaemons = { same: path.join(ownDir, 'own_daemon'), changed: path.join(ownDir, 'own_daemon_changed') };
const fixtures = path.join(repoRoot, 'build/test/own-module');
const studio = path.join(repoRoot, 'electron/cli/kucomms-studio.mjs');

/** `kucomms-studio gen c` of a fixture layout into DIR/own_layout.h. */
function generateHeader(run, layout, dir) {
	fs.mkdirSync(dir, { recursive: true });
	const r = run(process.execPath, [studio, 'gen', 'c', path.join(fixtures, layout), '-o', path.join(dir, 'own_layout.h')]);
	return r.status === 0 ? undefined : `kucomms-studio gen c ${layout} failed: ${tail(r.all)}`;
}

/** The protocol hashes of the fixture layouts, as `kucomms-studio hash` prints them. */
export function ownHashes(run) {
	const r = run(process.execPath, [studio, 'hash', path.join(fixtures, 'own.yaml'), path.join(fixtures, 'own-changed.yaml')]);
	const [same, changed] = r.stdout.trim().split('\n').map((l) => l.split(' ')[0]);
	return { same, changed };
}

function tail(text, lines = 10) {
	return text.trim().split('\n').slice(-lines).join(' | ');
}

// Build, inspect and unpack libkucomms0 and libkucomms-dev, and build a
// daemon with pkg-config against the unpacked files. Returns null when the
// daemon was built, else why not.
export async function libraryPackages({ check, run, version }) {
	const debs = {
		libkucomms0: path.join(repoRoot, 'build/out', `libkucomms0_${version}_amd64.deb`),
		'libkucomms-dev': path.join(repoRoot, 'build/out', `libkucomms-dev_${version}_amd64.deb`),
	};
	Object.values(debs).forEach((deb) => fs.rmSync(deb, { force: true }));
	fs.rmSync(ownDir, { recursive: true, force: true });
	const built = await check('npm run dist:lib builds libkucomms0 and libkucomms-dev', () => {
		const r = run('npm', ['run', '--silent', 'dist:lib'], { cwd: repoRoot });
		if (r.status !== 0)
			return `npm run dist:lib exited with ${r.status}: ${tail(r.all)}`;
		const missing = Object.values(debs).filter((d) => !fs.existsSync(d));
		if (missing.length)
			return `missing after the build: ${missing.join(', ')}`;
	});
	const noDebs = built ? null : 'the library packages were not built';

	await check('libkucomms0 and libkucomms-dev: control fields', () => {
		const expected = {
			libkucomms0: { Architecture: 'amd64', Section: 'libs', 'Multi-Arch': 'same', Depends: 'libc6 (>= 2.34)' },
			'libkucomms-dev': { Architecture: 'amd64', Section: 'libdevel', Depends: `libkucomms0 (= ${version}), linux-libc-dev, libc6 (>= 2.34)` },
		};
		const wrong = [];
		for (const [pkg, fields] of Object.entries(expected))
			for (const [field, want] of Object.entries({ Package: pkg, Version: version, ...fields })) {
				const got = run('dpkg-deb', ['-f', debs[pkg], field]).stdout.trim();
				if (got !== want) wrong.push(`${pkg} ${field}: expected "${want}", got "${got}"`);
			}
		return wrong.join('; ') || undefined;
	}, noDebs);

	await check('the runtime library in libkucomms0, the rest with the extcap in libkucomms-dev, the uapi header outside /usr/include/linux', () => {
		const want = {
			libkucomms0: [`${libdir}/libkucomms.so.${version}`, `${libdir}/libkucomms.so.0 -> libkucomms.so.${version}`,
				'/usr/share/doc/libkucomms0/copyright'],
			'libkucomms-dev': [`${libdir}/libkucomms.so -> libkucomms.so.0`, `${libdir}/libkucomms.a`, `${libdir}/pkgconfig/kucomms.pc`,
				'/usr/include/kucomms/kucomms.h', '/usr/include/kucomms/kucomms.hpp', '/usr/include/kucomms/uapi/linux/kucomms.h',
				`${libdir}/wireshark/extcap/kucomms_extcap`, '/usr/share/doc/libkucomms-dev/copyright'],
		};
		const problems = [];
		for (const [pkg, paths] of Object.entries(want)) {
			const listing = run('dpkg-deb', ['-c', debs[pkg]]).stdout.split('\n')
				.map((l) => l.replace(/^.*? \.\//, '/')).filter(Boolean);
			const missing = paths.filter((p) => !listing.includes(p));
			if (missing.length) problems.push(`${pkg} lacks ${missing.join(', ')}`);
			const linux = listing.filter((p) => p.startsWith('/usr/include/linux'));
			if (linux.length) problems.push(`${pkg} writes into /usr/include/linux: ${linux.join(', ')}`);
		}
		return problems.join('; ') || undefined;
	}, noDebs);

	await check('lintian reports no errors and no warnings on libkucomms0 and libkucomms-dev', () => {
		const r = run('lintian', ['--fail-on', 'none', ...Object.values(debs)]);
		if (r.status === null)
			return r.stderr;
		const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
		if (tags.length)
			return `expected none, got ${tags.join(' | ')}`;
	}, noDebs);

	fs.mkdirSync(libRoot, { recursive: true });
	for (const deb of built ? Object.values(debs) : [])
		run('dpkg-deb', ['-x', deb, libRoot]);

	// Which interfaces it lists depends on /dev/kumon, which only the guest
	// has: its extcap and DLT answers do not.
	await check('the packaged kucomms_extcap answers Wireshark: extcap version and, for kumon, the USER0 DLT', () => {
		const extcap = path.join(libRoot, libdir, 'wireshark/extcap/kucomms_extcap');
		const version = run(extcap, ['--extcap-interfaces']);
		const dlts = run(extcap, ['--extcap-interface', 'kumon', '--extcap-dlts']);
		if (version.status !== 0 || !/^extcap \{version=1\}/m.test(version.stdout))
			return `expected status 0 and an "extcap {version=1}" line, got ${version.status}: ${tail(version.all)}`;
		if (dlts.status !== 0 || !/^dlt \{number=147\}\{name=USER0\}/m.test(dlts.stdout))
			return `expected status 0 and "dlt {number=147}{name=USER0}...", got ${dlts.status}: ${tail(dlts.all)}`;
	}, noDebs);

	const daemon = await check('daemons build with pkg-config --cflags --libs kucomms against the unpacked packages only, each from its layout', () => {
		const env = { ...process.env, PKG_CONFIG_SYSROOT_DIR: libRoot, PKG_CONFIG_LIBDIR: path.join(libRoot, libdir, 'pkgconfig') };
		const flags = run('pkg-config', ['--cflags', '--libs', 'kucomms'], { env });
		if (flags.status !== 0)
			return `pkg-config failed: ${tail(flags.all)}`;
		for (const [which, layout] of [['same', 'own.yaml'], ['changed', 'own-changed.yaml']]) {
			const headers = path.join(ownDir, `include-${which}`);
			const failure = generateHeader(run, layout, headers);
			if (failure)
				return failure;
			const cc = run('gcc', ['-Wall', '-Wextra', '-Werror', `-I${headers}`, '-o', ownDaemons[which],
				path.join(fixtures, 'own_daemon.c'), ...flags.stdout.trim().split(/\s+/)]);
			if (cc.status !== 0)
				return `gcc (${layout}) failed: ${tail(cc.all)}`;
		}
		const ldd = run('ldd', [ownDaemons.same], { env: { ...process.env, LD_LIBRARY_PATH: ownLibdir } });
		if (!ldd.stdout.includes(`libkucomms.so.0 => ${ownLibdir}/libkucomms.so.0`))
			return `expected it to load libkucomms.so.0 from the unpacked package, ldd says: ${tail(ldd.all)}`;
	}, noDebs);
	return daemon ? null : 'the daemon was not built';
}

// With kucomms-dkms installed: a module of a user's own, built from the
// package's module Makefile and headers and DKMS's Module.symvers. Returns
// null when it was built, else why not.
export async function ownModuleBuild({ check, run, kernel, notInstalled }) {
	const symvers = `/var/lib/dkms/kucomms/kernel-${kernel}-x86_64/Module.symvers`;
	await check(`DKMS keeps the exported symbols of kucomms.ko in ${symvers}`, () => {
		if (!fs.existsSync(symvers))
			return `${symvers} does not exist`;
		const text = fs.readFileSync(symvers, 'utf8');
		const missing = ['kucomms_register', 'kucomms_send', 'kucomms_unregister'].filter((s) => !new RegExp(`\\t${s}\\t`).test(text));
		if (missing.length)
			return `it lacks ${missing.join(', ')}`;
	}, notInstalled);

	const moduleDir = path.dirname(ownModule);
	const built = await check('a module of your own builds with the package\'s module Makefile, headers and Module.symvers only', () => {
		fs.rmSync(moduleDir, { recursive: true, force: true });
		fs.cpSync('/usr/share/doc/kucomms-dkms/module', moduleDir, { recursive: true });
		fs.copyFileSync(path.join(fixtures, 'kucomms_own.c'), path.join(moduleDir, 'kucomms_own.c'));
		const failure = generateHeader(run, 'own.yaml', moduleDir);
		if (failure)
			return failure;
		const r = run('make', ['-C', moduleDir, 'MODULE=kucomms_own', `KVER=${kernel}`]);
		if (r.status !== 0 || !fs.existsSync(ownModule))
			return `make exited with ${r.status}: ${tail(r.all)}`;
		if (/WARNING|undefined/.test(r.all))
			return `modpost warned: ${r.all.split('\n').filter((l) => /WARNING|undefined/.test(l)).join(' | ')}`;
		const depends = run('modinfo', ['-F', 'depends', ownModule]).stdout.trim();
		if (depends !== 'kucomms')
			return `expected modinfo to say it depends on kucomms, got "${depends}"`;
	}, notInstalled);
	return built ? null : 'the module of your own was not built';
}
