#!/usr/bin/env node
// Boot Debian's kernel in QEMU and run one shell script inside it, against
// the host's own files.
//
// The guest is a busybox initramfs that loads the virtio/9p modules, mounts
// the host's root filesystem read-only over 9p, mounts a fresh proc, sysfs,
// devtmpfs and tmpfs scratch over it, and chroots there. The script (a path
// relative to the repository) then runs as root with the repository at the
// same path as on the host, so compiled programs, node and freshly built
// .ko files are used in place. Which modules to load is the script's
// business, not the harness's: a script may insmod from the build tree or
// modprobe from /lib/modules/<ver>/updates/dkms alike.
//
// The console is the only channel back: the script prints markers, the
// harness returns the whole console log (CRLF and escape codes stripped)
// and the script's exit status, read from a closing marker.
//
//   import { runGuest } from './vm.mjs';
//   const { log, exitCode } = await runGuest({ script: 'kernel/test/guest/x.sh' });
//
//   node kernel/test/vm.mjs [--append ARGS] [--timeout SECONDS] SCRIPT [ARG...]

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = path.join(repoRoot, 'kernel/test/.cache');

// Loaded in this order from /lib/modules/<ver>/kernel: what 9p over
// virtio-pci needs on Debian's kernel, where all of it is modular.
const ninePModules = [
	'drivers/virtio/virtio_ring', 'drivers/virtio/virtio',
	'drivers/virtio/virtio_pci_legacy_dev', 'drivers/virtio/virtio_pci_modern_dev',
	'drivers/virtio/virtio_pci', 'fs/netfs/netfs', 'fs/fscache/fscache',
	'net/9p/9pnet', 'net/9p/9pnet_virtio', 'fs/9p/9p',
];

// The guest prints the first line when its script starts, the second, with
// the script's status, just before power-off.
const startMarker = '@@kucomms-vm script-start';
const exitMarker = '@@kucomms-vm exit=';

// Always on the command line: the console on the serial port, reboot (so
// QEMU exits) on a panic, and no crypto self-tests at boot: they take
// seconds under emulation and are where an emulated guest was seen to
// lock up for good before reaching its script.
const baseCmdline = 'console=ttyS0 panic=-1 cryptomgr.notests';

/**
 * The kernel to boot and build against: the version under /lib/modules that
 * has a `build` link (the newest if several do). The host may run another
 * kernel, so the running one is never asked.
 */
export function findKernelVersion(modulesRoot = '/lib/modules') {
	const versions = fs.readdirSync(modulesRoot)
		.filter((v) => fs.existsSync(path.join(modulesRoot, v, 'build')))
		.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
	if (!versions.length)
		throw new Error(`no kernel under ${modulesRoot} has a build link; install linux-headers-amd64`);
	return versions[versions.length - 1];
}

/**
 * The uncompressed ELF vmlinux of /boot/vmlinuz-<ver>, extracted once and
 * cached by the compressed file's size and mtime (booting it via PVH skips
 * the in-guest decompression, a few seconds under emulation).
 */
export function ensureVmlinux(version) {
	const bzImage = `/boot/vmlinuz-${version}`;
	const st = fs.statSync(bzImage);
	const cached = path.join(cacheDir, `vmlinux-${version}-${st.size}-${Math.floor(st.mtimeMs)}`);
	if (fs.existsSync(cached))
		return cached;
	const image = fs.readFileSync(bzImage);
	const xzStart = image.indexOf(Buffer.from('\xfd7zXZ\0', 'latin1'));
	if (xzStart < 0)
		throw new Error(`${bzImage}: no XZ stream found; is it an XZ-compressed bzImage?`);
	const xz = spawnSync('xz', ['-dc', '--single-stream'], {
		input: image.subarray(xzStart), maxBuffer: 1 << 30,
	});
	if (xz.error || xz.status !== 0)
		throw new Error(`${bzImage}: xz failed at offset ${xzStart}: ${xz.error?.message ?? xz.stderr}`);
	fs.mkdirSync(cacheDir, { recursive: true });
	// Write then rename, so a concurrent run never boots a half-written file.
	const tmp = `${cached}.${process.pid}.tmp`;
	fs.writeFileSync(tmp, xz.stdout);
	fs.renameSync(tmp, cached);
	return cached;
}

function shellQuote(s) {
	return `'${String(s).replace(/'/g, "'\\''")}'`;
}

function initScript({ version, script, args, env }) {
	const exports = Object.entries({
		PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
		HOME: '/tmp', TERM: 'dumb', KUCOMMS_KERNEL_VERSION: version, ...env,
	}).map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('\n');
	const insmods = ninePModules.map((m) => `insmod /modules/${path.basename(m)}.ko || fail "insmod ${m}"`).join('\n');
	const command = ['/bin/sh', script, ...args].map(shellQuote).join(' ');
	return `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
fail() { echo "@@kucomms-vm setup failed: $*"; echo "${exitMarker}125"; poweroff -f; echo o > /proc/sysrq-trigger; sleep 10; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
${insmods}
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host || fail "mount 9p"
mount -t proc proc /host/proc || fail "mount proc"
mount -t sysfs sysfs /host/sys || fail "mount sysfs"
mount -t devtmpfs devtmpfs /host/dev || fail "mount devtmpfs"
mkdir -p /host/dev/shm /host/dev/pts
# A checkout under one of the scratch directories (e.g. a clone in /tmp)
# would vanish under the tmpfs: keep the host's view of it and put it back.
mkdir -p /repo
mount -o bind /host${shellQuote(repoRoot)} /repo || fail "no ${repoRoot} in the guest"
for d in /tmp /run /dev/shm; do mount -t tmpfs tmpfs /host$d || fail "mount tmpfs on $d"; done
if [ ! -d /host${shellQuote(repoRoot)} ]; then
	mkdir -p /host${shellQuote(repoRoot)} && mount -o bind /repo /host${shellQuote(repoRoot)} || fail "cannot show ${repoRoot} in the guest"
fi
${exports}
cd /host${shellQuote(repoRoot)} || fail "no ${repoRoot} in the guest"
echo "${startMarker}"
chroot /host /bin/sh -c ${shellQuote(`cd ${shellQuote(repoRoot)} && exec ${command}`)}
echo "${exitMarker}$?"
poweroff -f
echo o > /proc/sysrq-trigger
sleep 10
`;
}

function buildInitramfs(dir, options) {
	const root = path.join(dir, 'root');
	for (const d of ['bin', 'dev', 'proc', 'sys', 'modules'])
		fs.mkdirSync(path.join(root, d), { recursive: true });
	fs.copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
	fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
	for (const m of ninePModules) {
		const ko = path.join('/lib/modules', options.version, 'kernel', `${m}.ko`);
		if (!fs.existsSync(ko))
			throw new Error(`${ko} is missing (the guest needs it to mount the host over 9p)`);
		fs.copyFileSync(ko, path.join(root, 'modules', path.basename(ko)));
	}
	fs.writeFileSync(path.join(root, 'init'), initScript(options), { mode: 0o755 });
	const cpioPath = path.join(dir, 'initramfs.cpio');
	const cpio = spawnSync('sh', ['-c', `find . | cpio -o -H newc --quiet > ${shellQuote(cpioPath)}`], { cwd: root });
	if (cpio.status !== 0)
		throw new Error(`building the initramfs failed: ${cpio.stderr}`);
	return cpioPath;
}

// One line of serial console output, without the CR of its CRLF and without
// the ANSI/VT100 sequences the firmware prints.
export function cleanConsoleLine(line) {
	return line
		.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
		.replace(/\x1b[()][A-Za-z0-9]/g, '')
		.replace(/\x1b[=>c78]/g, '')
		.replace(/\r/g, '');
}

/**
 * Boot, run @script (relative to the repository) with @args as root in the
 * guest, and resolve with { log, lines, exitCode, timedOut, elapsedMs }.
 * exitCode is the script's status, or null when the guest never reported
 * one (crash, panic, timeout). @append is extra kernel command line
 * (e.g. 'slub_debug=FZPU init_on_free=1'); @env is exported to the script;
 * @onLine receives each cleaned console line as it arrives.
 *
 * A guest that has not started the script within @bootTimeoutMs is booted
 * once more (an emulated boot rarely stalls for good): @onBootRetry is
 * called first, so a caller can forget the lines of the stalled boot. All
 * within @timeoutMs in all.
 */
export async function runGuest({
	script, args = [], append = '', env = {}, timeoutMs = 300_000, bootTimeoutMs = 90_000,
	memory = '1G', cpus = 2, version = findKernelVersion(), onLine = () => {},
	onBootRetry = () => {},
}) {
	if (!fs.existsSync(path.join(repoRoot, script)))
		throw new Error(`guest script ${script} does not exist under ${repoRoot}`);
	const vmlinux = ensureVmlinux(version);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kucomms-vm-'));
	const started = Date.now();
	try {
		const initramfs = buildInitramfs(dir, { version, script, args, env });
		const qemuArgs = [
			'-m', memory, '-smp', String(cpus), '-nographic', '-no-reboot',
			'-kernel', vmlinux, '-initrd', initramfs,
			'-append', `${baseCmdline} ${append}`.trim(),
			'-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
			'-nic', 'none',
		];
		let result = await boot(qemuArgs, timeoutMs, bootTimeoutMs, onLine);
		if (result.bootStalled) {
			const note = `vm: the guest did not start its script within ${bootTimeoutMs / 1000} s; booting again`;
			onBootRetry(note);
			const again = await boot(qemuArgs, timeoutMs - (Date.now() - started), bootTimeoutMs, onLine);
			again.lines.unshift(...result.lines, note);
			result = again;
		}
		const exit = result.lines.map((l) => l.match(/@@kucomms-vm exit=(\d+)/)).filter(Boolean).pop();
		return {
			log: result.lines.join('\n'), lines: result.lines, timedOut: result.timedOut,
			qemuStatus: result.qemuStatus, exitCode: exit ? Number(exit[1]) : null,
			elapsedMs: Date.now() - started,
		};
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

// One run of QEMU: its cleaned console lines, and how it ended.
function boot(qemuArgs, timeoutMs, bootTimeoutMs, onLine) {
	const qemu = spawn('qemu-system-x86_64', qemuArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
	return new Promise((resolve, reject) => {
		let pending = '';
		let stderr = '';
		let timedOut = false;
		let scriptStarted = false;
		let bootStalled = false;
		const lines = [];
		const stop = () => {
			qemu.kill('SIGTERM');
			setTimeout(() => qemu.kill('SIGKILL'), 3000).unref();
		};
		// Lines are cleaned whole: a CRLF or an escape sequence may
		// straddle two chunks.
		const take = (text, final) => {
			pending += text;
			const parts = pending.split('\n');
			pending = final ? '' : parts.pop();
			for (const line of parts.map(cleanConsoleLine)) {
				scriptStarted ||= line.includes(startMarker);
				lines.push(line);
				onLine(line);
			}
		};
		qemu.stdout.setEncoding('latin1');
		qemu.stdout.on('data', (chunk) => take(chunk, false));
		qemu.stderr.on('data', (chunk) => { stderr += chunk; });
		const timer = setTimeout(() => { timedOut = true; stop(); }, timeoutMs);
		const bootTimer = setTimeout(() => {
			if (!scriptStarted && timeoutMs > bootTimeoutMs) {
				bootStalled = true;
				stop();
			}
		}, bootTimeoutMs);
		qemu.on('error', (err) => {
			clearTimeout(timer);
			clearTimeout(bootTimer);
			reject(new Error(`cannot start qemu-system-x86_64: ${err.message}`));
		});
		qemu.on('close', (code) => {
			clearTimeout(timer);
			clearTimeout(bootTimer);
			take('', true);
			if (stderr.trim())
				lines.push(...stderr.trim().split('\n').map((l) => `qemu: ${l}`));
			resolve({ lines, timedOut, bootStalled, qemuStatus: code });
		});
	});
}

async function main(argv) {
	const options = { append: '', timeoutMs: 300_000 };
	while (argv[0]?.startsWith('--')) {
		const flag = argv.shift();
		if (flag === '--append') options.append = argv.shift() ?? '';
		else if (flag === '--timeout') options.timeoutMs = Number(argv.shift()) * 1000;
		else throw new Error(`unknown option ${flag}`);
	}
	if (!argv.length || !(options.timeoutMs > 0)) {
		console.error('usage: node kernel/test/vm.mjs [--append KERNEL_ARGS] [--timeout SECONDS] SCRIPT [ARG...]');
		console.error('  SCRIPT is a shell script path relative to the repository, run as root in the guest');
		return 2;
	}
	const [script, ...args] = argv;
	const result = await runGuest({ ...options, script, args, onLine: (l) => console.log(l) });
	if (result.timedOut)
		console.error(`vm: timed out after ${options.timeoutMs / 1000} s`);
	else if (result.exitCode === null)
		console.error(`vm: the guest stopped without reporting the script's status (qemu status ${result.qemuStatus})`);
	console.error(`vm: finished in ${(result.elapsedMs / 1000).toFixed(1)} s`);
	return result.exitCode ?? 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	main(process.argv.slice(2)).then((code) => { process.exitCode = code; },
		(err) => { console.error(`vm: ${err.message}`); process.exitCode = 1; });
}
