// The built-in demo targets (`demo:echo`, `demo:longtest`): libkucomms peers
// over shared memory, each in a process of its own (`kucomms_peer KIND
// shm:NAME`, built with the addon), so the Studio, its tests and a first run
// exercise the same path a real peer does and need no kernel module.
// Each open of a demo target starts its own peer; stopAllDemoPeers() (and
// process exit) stops whatever is still running. A peer also ends when this
// process dies without a word (SIGKILL, a crash): it runs with
// --exit-with-parent and we hold the only writer of its stdin pipe.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DemoName } from '../shared/target.ts';
import { addonBuildDir } from './native-binding.ts';

export const DEMO_DESCRIPTIONS: Record<DemoName, string> = {
  echo: 'built-in peer that echoes every message back unchanged (like kucomms_echo)',
  longtest: 'built-in peer of the longtest protocol (like kucomms_longtest)',
};

export interface DemoPeer {
  demo: DemoName;
  /** The shared-memory target the peer created: `shm:NAME`. */
  target: string;
  process: ChildProcess;
  /** What the peer wrote to stderr so far (for error messages). */
  stderr(): string;
  /** Resolves with the exit code, or null if killed by a signal. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 2000;
const READY_TIMEOUT_MS = 10_000;
const running = new Set<DemoPeer>();
let counter = 0;

// At exit nothing can be awaited: ask the peers to stop (they unlink their
// shared memory on SIGTERM) and leave them to it.
process.on('exit', () => {
  for (const peer of running) peer.process.kill('SIGTERM');
});

/** The peer program: built by `npm install` next to the addon. */
export function peerProgram(): string {
  const file = path.join(addonBuildDir, 'kucomms_peer');
  if (!existsSync(file))
    throw Object.assign(new Error(`the demo peer program is not built (${file} is missing): run npm install`), {
      code: 'ERR_ADDON_MISSING',
    });
  return file;
}

/**
 * Starts a peer and resolves once it is ready to be attached (it prints
 * "ready shm:NAME"); rejects with code 'ESRCH' if it exits first or
 * 'ETIMEDOUT' if it takes longer than READY_TIMEOUT_MS.
 */
export async function startDemoPeer(demo: DemoName): Promise<DemoPeer> {
  const name = `studio_${process.pid}_${demo}_${++counter}`;
  const child = spawn(peerProgram(), [demo, `shm:${name}`, '--exit-with-parent'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      stderr += `${err.message}\n`;
    });
    child.on('close', (code) => {
      running.delete(peer);
      resolve(code);
    });
  });
  const peer: DemoPeer = {
    demo,
    target: `shm:${name}`,
    process: child,
    stderr: () => stderr.trim(),
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(peer);
  const ready = new Promise<boolean>((resolve) => {
    let out = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (s: string) => {
      out += s;
      if (out.split('\n').includes(`ready ${peer.target}`)) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, READY_TIMEOUT_MS, 'timeout').unref());
  const outcome = await Promise.race([ready, timeout]);
  if (outcome === true) return peer;
  await peer.stop();
  throw Object.assign(
    outcome === 'timeout'
      ? new Error(`demo:${demo}: the peer did not get ready within ${READY_TIMEOUT_MS / 1000} s`)
      : new Error(`demo:${demo}: the peer exited before it was ready: ${peer.stderr() || 'no message'}`),
    { code: outcome === 'timeout' ? 'ETIMEDOUT' : 'ESRCH' },
  );
}

/** Stops every demo peer this process started. */
export async function stopAllDemoPeers(): Promise<void> {
  await Promise.all([...running].map((peer) => peer.stop()));
}
