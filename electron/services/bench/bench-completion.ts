// npm run bench:completion [-- --quick]: how long a handler script's
// completion takes in the Studio — the first request (the TypeScript
// language service starts) and then member completions on a warm service,
// side by side with a diagnostics pass over the same script. One JSON
// object per line; figures depend on a quiet machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StudioService } from '../studio/studio-service.ts';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 20 : 100;

const head = `import type { DecodedAs, ScriptContext, ScriptMessage } from 'kucomms:script';
import type { TelemetryMessage } from 'kucomms:layout/telemetry';
export function onMessage(msg: ScriptMessage<DecodedAs<TelemetryMessage>>, ctx: ScriptContext): void {
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

const dir = mkdtempSync(path.join(tmpdir(), 'kucomms-bench-completion-'));
const studio = new StudioService({ mode: 'serve', workspaceDir: dir });
try {
  const h = studio.handlers;
  const body = (i: number): string => `  const n${i} = ${i};\n  msg.decoded.header.`;
  const complete = (i: number) =>
    h.scriptCompletions({ text: `${head}${body(i)}\n}\n`, offset: head.length + body(i).length });
  let t0 = performance.now();
  await complete(0);
  const firstMs = performance.now() - t0;
  const times = { completion: [] as number[], diagnostics: [] as number[] };
  for (let i = 1; i <= ROUNDS; i++) {
    // Each round edits the text, as typing does, so nothing is answered from a cache.
    t0 = performance.now();
    await complete(i);
    times.completion.push(performance.now() - t0);
    t0 = performance.now();
    await h.scriptDiagnostics({ text: `${head}${body(i)}kind;\n}\n` });
    times.diagnostics.push(performance.now() - t0);
  }
  for (const [name, list] of Object.entries(times)) {
    const sorted = [...list].sort((a, b) => a - b);
    const row = {
      name: `script-${name}`,
      rounds: ROUNDS,
      first_ms: name === 'completion' ? Number(firstMs.toFixed(1)) : undefined,
      p50_ms: Number(percentile(sorted, 0.5).toFixed(2)),
      p95_ms: Number(percentile(sorted, 0.95).toFixed(2)),
    };
    console.log(JSON.stringify(row));
  }
} finally {
  await studio.close();
  rmSync(dir, { recursive: true, force: true });
}
