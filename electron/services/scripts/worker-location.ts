// Where is a busy worker thread? A thread stuck in a loop cannot answer, but
// V8's debugger can interrupt it: attach to the worker through this
// process's own inspector session, pause it, and read the call frames.
// Best effort: resolves with what it found within a short bound.
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

// Attaching to a worker and pausing it takes well under a second on an idle
// machine but several on a loaded one; the bound is only for a worker that
// never pauses, so it is generous.
const LOCATE_TIMEOUT_MS = 10_000;

/** A place in a script's source, 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

interface CallFrame {
  functionName: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

interface ParsedScript {
  url: string;
  sourceMapURL?: string;
}

// A frame's position in its source: through the script's inline source map
// when it has one (TypeScript is transpiled on load), else as it ran. Lines
// and columns 1-based.
function sourcePosition(frame: CallFrame, script: ParsedScript | undefined): SourceLocation {
  const { lineNumber, columnNumber } = frame.location;
  const file = script?.url.startsWith('file:') ? fileURLToPath(script.url.replace(/\?.*$/, '')) : (script?.url ?? '');
  const inline = /^data:application\/json;(?:charset=utf-8;)?base64,(.*)$/.exec(script?.sourceMapURL ?? '');
  if (inline?.[1]) {
    const map = new SourceMap(JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')));
    const entry = map.findEntry(lineNumber, columnNumber) as { originalLine?: number; originalColumn?: number };
    if (entry.originalLine !== undefined && entry.originalColumn !== undefined)
      return { file, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  }
  return { file, line: lineNumber + 1, column: columnNumber + 1 };
}

export interface BusyLocation {
  stack?: string;
  location?: SourceLocation;
}

export function locateBusyWorker(worker: Worker, scriptFile: string): Promise<BusyLocation> {
  const session = new Session();
  return new Promise<BusyLocation>((resolve) => {
    const done = (found: BusyLocation): void => {
      clearTimeout(timer);
      try {
        session.disconnect();
      } catch {
        // already disconnected
      }
      resolve(found);
    };
    const timer = setTimeout(() => done({}), LOCATE_TIMEOUT_MS);
    let nextId = 1;
    const scripts = new Map<string, ParsedScript>();
    const sendToWorker = (sessionId: string, method: string): void => {
      session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id: nextId++, method }) });
    };
    session.on('NodeWorker.attachedToWorker', ({ params }) => {
      // workerId is the inspector's own numbering; the title names the thread.
      if (params.workerInfo.title !== `[worker ${worker.threadId}]`) return;
      sendToWorker(params.sessionId, 'Debugger.enable');
      sendToWorker(params.sessionId, 'Debugger.pause');
    });
    session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
      const msg = JSON.parse(params.message) as {
        method?: string;
        params?: { callFrames?: CallFrame[]; scriptId?: string } & ParsedScript;
      };
      if (msg.method === 'Debugger.scriptParsed' && msg.params?.scriptId) {
        scripts.set(msg.params.scriptId, msg.params);
        return;
      }
      if (msg.method !== 'Debugger.paused') return;
      const frames = (msg.params?.callFrames ?? []).map((f) => ({
        name: f.functionName || '<anonymous>',
        ...sourcePosition(f, scripts.get(f.location.scriptId)),
      }));
      const own = frames.find((f) => f.file === scriptFile);
      // A paused thread cannot be terminated: let it run on until it is.
      sendToWorker(params.sessionId, 'Debugger.resume');
      done({
        stack: frames.map((f) => `    at ${f.name} (${f.file}:${f.line}:${f.column})`).join('\n'),
        ...(own ? { location: { file: own.file, line: own.line, column: own.column } } : {}),
      });
    });
    try {
      session.connect();
      session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    } catch {
      done({});
    }
  });
}
