// One differential run: random layouts (fast-check, seeded) in batches, each
// layout with its random valid and broken messages, put through every
// implementation; a disagreement fails the run, which fast-check then shrinks
// to a small layout (checked alone), and the layout, its messages and what
// disagreed are written as a regression case for differential.test.ts.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { toHex } from '../values.ts';
import { checkC, checkCodecRoundTrip, checkCompiled, checkFieldAccess, checkLua, checkTs, makeCase, type Case, type Disagreement } from './differential.ts';
import { layoutDocument } from './random-layouts.ts';

export interface RunOptions {
  seed: number;
  /** layouts in all */
  layouts: number;
  /** layouts per compiler and tshark run */
  batch: number;
  /** where shrunk failures are kept (a folder of JSON regression cases) */
  regressions?: string;
  /** how long shrinking one failure may take */
  shrinkSeconds?: number;
  log?: (line: string) => void;
}

export interface Regression {
  seed: number;
  yaml: string;
  /** hex, header included */
  messages: string[];
  disagreements: Disagreement[];
}

/** The implementations, each a check over a batch; a disagreement's implementation names its group. */
const CHECKS: Array<{ names: string[]; run: (cases: Case[], dir: string) => Disagreement[] | Promise<Disagreement[]> }> = [
  { names: ['codec'], run: (cases) => checkCodecRoundTrip(cases) },
  { names: ['compiled'], run: (cases) => checkCompiled(cases) },
  { names: ['field-access'], run: (cases) => checkFieldAccess(cases) },
  { names: ['tsc'], run: (cases, dir) => checkTs(cases, path.join(dir, 'ts')) },
  { names: ['gcc', 'clang', 'g++'], run: (cases, dir) => checkC(cases, path.join(dir, 'c')) },
  { names: ['lua', 'tshark'], run: (cases, dir) => checkLua(cases, path.join(dir, 'lua')) },
];

/** Every implementation's disagreements with the reference codec over a batch (only those named in @only, if given). */
export async function checkAll(cases: Case[], only?: Set<string>): Promise<Disagreement[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kucomms-differential-'));
  try {
    const found: Disagreement[] = [];
    for (const check of CHECKS) if (!only || check.names.some((n) => only.has(n))) found.push(...(await check.run(cases, dir)));
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ARBITRARY = fc.tuple(layoutDocument, fc.integer({ min: 1, max: 2 ** 31 - 1 }));

/** Protocol names made unique within a batch (generated names all start with them). */
function uniqueProtocols(docs: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const seen = new Set<string>();
  return docs.map((d, i) => {
    let protocol = String(d.protocol);
    if (seen.has(protocol)) protocol = `${protocol}_${i}`;
    seen.add(protocol);
    return { ...d, protocol };
  });
}

export async function differentialRun(options: RunOptions): Promise<{ layouts: number; messages: number; failures: Regression[] }> {
  const log = options.log ?? (() => {});
  // The same seed gives the same layouts to fc.sample here and to fc.assert when shrinking (run i is path i).
  const docs = fc.sample(ARBITRARY, { seed: options.seed, numRuns: options.layouts });
  let messages = 0;
  const failures: Regression[] = [];
  for (let first = 0; first < docs.length; first += options.batch) {
    const group = docs.slice(first, first + options.batch);
    const renamed = uniqueProtocols(group.map(([d]) => d));
    const cases: Case[] = [];
    const found: Disagreement[] = [];
    renamed.forEach((d, i) => {
      try {
        cases.push(makeCase(d, group[i]?.[1] ?? 1));
      } catch (err) {
        // The loader refused a layout made to be valid: a finding too.
        found.push({ implementation: 'loader', layout: i, message: -1, what: String(err) });
      }
    });
    messages += cases.reduce((n, c) => n + c.messages.length, 0);
    if (found.length === 0) found.push(...(await checkAll(cases)));
    if (found.length === 0) continue;
    log(`layouts ${first}..${first + group.length - 1}: ${found.length} disagreement(s), first: ${describe(found[0], cases)}`);
    const culprits = [...new Set(found.map((d) => d.layout))].filter((li) => li >= 0);
    for (const li of culprits.length ? culprits.slice(0, 2) : [0]) {
      const implementations = new Set(found.filter((d) => d.layout === li || d.layout < 0).map((d) => d.implementation));
      failures.push(await shrink(options.seed, first + li, implementations, options.shrinkSeconds ?? 60, log));
    }
  }
  if (options.regressions) {
    mkdirSync(options.regressions, { recursive: true });
    for (const f of failures) writeFileSync(path.join(options.regressions, `seed-${f.seed}-${f.yaml.length}.json`), `${JSON.stringify(f, null, 1)}\n`);
  }
  return { layouts: docs.length, messages, failures };
}

function describe(d: Disagreement | undefined, cases: Case[]): string {
  if (!d) return '';
  const m = d.message >= 0 ? cases[d.layout]?.messages[d.message] : undefined;
  return `${d.implementation}, layout ${d.layout}${m ? `, message ${toHex(m)}` : ''}: ${d.what}`;
}

/** fast-check replays run @index of @seed and shrinks it while it still disagrees, checked alone by the implementations that disagreed. */
async function shrink(seed: number, index: number, implementations: Set<string>, seconds: number, log: (line: string) => void): Promise<Regression> {
  let smallest: Regression | undefined;
  const property = fc.asyncProperty(ARBITRARY, async ([d, s]) => {
    let c: Case;
    try {
      c = makeCase(d, s);
    } catch (err) {
      smallest = record(d, s, undefined, [{ implementation: 'loader', layout: 0, message: -1, what: String(err) }]);
      return false;
    }
    const found = await checkAll([c], implementations);
    if (found.length === 0) return true;
    const failing = [...new Set(found.map((f) => f.message))].filter((i) => i >= 0).map((i) => c.messages[i]).filter((m): m is Uint8Array => m !== undefined);
    smallest = record(d, s, c, found, failing.length ? failing : c.messages);
    return false;
  });
  await fc.assert(property, { seed, path: String(index), endOnFailure: false, interruptAfterTimeLimit: seconds * 1000 }).catch(() => {});
  const result = smallest ?? { seed, yaml: '', messages: [], disagreements: [] };
  log(`shrunk to a ${result.yaml.split('\n').length}-line layout and ${result.messages.length} message(s): ${result.disagreements[0]?.implementation}: ${result.disagreements[0]?.what}`);
  return result;
}

function record(d: Record<string, unknown>, s: number, c: Case | undefined, found: Disagreement[], msgs: Uint8Array[] = []): Regression {
  return { seed: s, yaml: c?.yaml ?? JSON.stringify(d), messages: msgs.map(toHex), disagreements: found.slice(0, 5) };
}
