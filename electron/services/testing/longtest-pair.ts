// The native longtest pair as a user runs it in a shell, outside the
// Studio: `KUCOMMS_MONITOR=1 kucomms_peer longtest shm:NAME` (which
// publishes its link to monitors) and `kucomms_lib_longtest shm:NAME`, both
// built with the addon. For the tests of monitor targets, which must watch
// processes the Studio did not start.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { addonBuildDir } from '../native-binding.ts';

export interface ProgramRun {
  process: ChildProcess;
  /** What it wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once @line (a whole line) or a line starting with it was written to @stream; rejects if it exits first. */
  waitForLine(stream: 'stdout' | 'stderr', line: string): Promise<void>;
  /** SIGTERM, then resolves with the exit code once it exited. */
  stop(): Promise<number | null>;
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv = {}): ProgramRun {
  const child = spawn(path.join(addonBuildDir, program), args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const text = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (s: string) => {
      text[stream] += s;
      for (const w of [...waiters]) w();
    });
  }
  const closed = once(child, 'close');
  return {
    process: child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    waitForLine(stream, line) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!text[stream].split('\n').some((l) => l.startsWith(line))) return;
          waiters.splice(waiters.indexOf(check), 1);
          resolve();
        };
        waiters.push(check);
        check();
        void closed.then(() => {
          if (waiters.includes(check))
            reject(new Error(`${program} exited before writing "${line}": ${text.stderr.trim() || 'no message'}`));
        });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await closed;
      return child.exitCode;
    },
  };
}

/** The last `key=N` in @text, as a BigInt; throws if there is none. */
export function lastCount(text: string, key: string): bigint {
  const all = [...text.matchAll(new RegExp(`\\b${key}=(\\d+)`, 'g'))];
  const last = all[all.length - 1];
  if (!last) throw new Error(`no ${key}= in: ${text.trim() || '(nothing)'}`);
  return BigInt(last[1]!);
}

/** The longtest peer publishing its link: ready once it printed "ready shm:NAME". */
export async function startPublishingPeer(name: string): Promise<ProgramRun> {
  const peer = run('kucomms_peer', ['longtest', `shm:${name}`], { KUCOMMS_MONITOR: '1' });
  await peer.waitForLine('stdout', `ready shm:${name}`);
  return peer;
}

/** The longtest application attaching to the peer's link. */
export function startLongtestApp(name: string): ProgramRun {
  return run('kucomms_lib_longtest', [`shm:${name}`]);
}

/** A name for a shm link no other test uses. */
export function uniqueLinkName(what: string): string {
  return `studio_${what}_${process.pid}_${Date.now().toString(36)}`;
}
