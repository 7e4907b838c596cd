#!/usr/bin/env node
// The kernel's own style checker over kernel/: checkpatch.pl --no-tree on
// every C source and header, run by the kernel test suite (run.mjs) before
// it boots, and on its own:
//
//   node kernel/test/checkpatch.mjs        (prints the problems; exit 1 if any)
//
// Debian's kernel headers package has no checkpatch.pl; the linux-source-6.1
// package's tarball does. Only checkpatch.pl and the two data files it reads
// are extracted from it, once per tarball, into kernel/test/.cache/.
//
// A few checks do not fit some files, and are turned off for those only:
// compat.h exists to test the kernel version (for DKMS builds on newer
// kernels); ring.h's userspace half wraps a fence in pragmas that need a
// statement macro; the test programs are userspace C, where the kernel's
// ARRAY_SIZE, __printf and "volatile is wrong" advice do not apply.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const cacheDir = path.join(here, '.cache/checkpatch');
const SOURCE_DIR = '/usr/src';
const NEEDED = ['scripts/checkpatch.pl', 'scripts/spelling.txt', 'scripts/const_structs.checkpatch'];

const GROUPS = [
	{ files: ['kernel/core', 'kernel/include', 'kernel/examples', 'kernel/test/modules', 'kernel/test/planted'],
	  except: ['kernel/core/compat.h', 'kernel/include/kucomms/ring.h'], ignore: [] },
	{ files: ['kernel/core/compat.h'], ignore: ['LINUX_VERSION_CODE', 'CONSTANT_COMPARISON'] },
	{ files: ['kernel/include/kucomms/ring.h'], ignore: ['SINGLE_STATEMENT_DO_WHILE_MACRO'] },
	{ files: ['kernel/test/programs'],
	  ignore: ['ARRAY_SIZE', 'VOLATILE', 'PREFER_DEFINED_ATTRIBUTE_MACRO', 'EMBEDDED_FUNCTION_NAME', 'SPLIT_STRING'] },
];

// C sources and headers under @rel, without Kbuild's generated *.mod.c.
function sourcesUnder(rel) {
	const abs = path.join(repoRoot, rel);
	if (fs.statSync(abs).isFile())
		return [rel];
	return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
		const child = path.join(rel, e.name);
		if (e.isDirectory())
			return e.name.startsWith('.') ? [] : sourcesUnder(child);
		return /\.[ch]$/.test(e.name) && !e.name.endsWith('.mod.c') ? [child] : [];
	});
}

// The linux-source tarball: the newest /usr/src/linux-source-*.tar.xz.
function findTarball() {
	const found = fs.existsSync(SOURCE_DIR)
		? fs.readdirSync(SOURCE_DIR).filter((f) => /^linux-source-[\d.]+\.tar\.xz$/.test(f)).sort()
		: [];
	if (!found.length)
		throw new Error('no /usr/src/linux-source-*.tar.xz: install the linux-source-6.1 package (apt-get install linux-source-6.1), which ships checkpatch.pl');
	return path.join(SOURCE_DIR, found[found.length - 1]);
}

// checkpatch.pl extracted from @tarball, once for each tarball.
function checkpatchFrom(tarball) {
	const st = fs.statSync(tarball);
	const dir = path.join(cacheDir, `${path.basename(tarball, '.tar.xz')}-${st.size}-${Math.floor(st.mtimeMs)}`);
	const script = path.join(dir, 'scripts/checkpatch.pl');
	if (fs.existsSync(script))
		return script;
	fs.mkdirSync(dir, { recursive: true });
	const top = path.basename(tarball, '.tar.xz');
	const r = spawnSync('tar', ['-xJf', tarball, '-C', dir, '--strip-components=1',
		...NEEDED.map((f) => `${top}/${f}`)], { encoding: 'utf8' });
	if (r.status !== 0 || !fs.existsSync(script)) {
		fs.rmSync(dir, { recursive: true, force: true });
		throw new Error(`extracting checkpatch.pl from ${tarball} failed: ${(r.stderr || r.error?.message || '').trim()}`);
	}
	return script;
}

/** Run checkpatch over kernel/; returns the problem lines (empty when clean). */
export function checkKernelStyle() {
	const script = checkpatchFrom(findTarball());
	const problems = [];
	for (const group of GROUPS) {
		const files = group.files.flatMap(sourcesUnder).filter((f) => !(group.except ?? []).includes(f));
		const args = [script, '--no-tree', '--terse', '--show-types', '--file',
			...(group.ignore.length ? ['--ignore', group.ignore.join(',')] : []), ...files];
		const r = spawnSync('perl', args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 26 });
		if (r.error)
			throw new Error(`running checkpatch.pl: ${r.error.message}`);
		problems.push(...r.stdout.split('\n').filter((l) => /: (ERROR|WARNING|CHECK):/.test(l)));
	}
	return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	try {
		const problems = checkKernelStyle();
		for (const line of problems)
			console.log(line);
		console.log(problems.length ? `${problems.length} checkpatch problems` : 'checkpatch: kernel/ is clean');
		process.exitCode = problems.length ? 1 : 0;
	} catch (err) {
		console.error(`checkpatch: ${err.message}`);
		process.exitCode = 1;
	}
}
