// Property tests of the parsers that take input from outside (fast-check):
// each target checks one promise (no exception but its own documented error,
// the file untouched, ...) against random input and structured input (a
// valid file with one field broken). A failure shrinks to a small input,
// which is saved under regressions/TARGET/ and replayed by every later run
// before any random input: an input that once broke a parser stays a test.
//
// npm test runs each property FUZZ_RUNS times (bounded, from a fixed seed);
// npm run fuzz:node runs them for KUCOMMS_FUZZ_SECONDS each, from new seeds.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { makeDirectory } from '../services/make-directory.ts';

const seconds = Number(process.env.KUCOMMS_FUZZ_SECONDS) || 0;
/** Inputs tried per property: a bound for npm test, or as many as fit KUCOMMS_FUZZ_SECONDS. */
export const FUZZ_RUNS = seconds > 0 ? Number.MAX_SAFE_INTEGER : 150;
/** npm test stops a property after this long whatever FUZZ_RUNS says, so a slow machine takes no longer. */
const TIME_LIMIT_MS = seconds > 0 ? seconds * 1000 : 8000;
/**
 * npm test draws its inputs from a fixed seed, so the same code gets the same
 * verdict on every machine; fuzz:node draws new ones each run (or replays
 * KUCOMMS_FUZZ_SEED, the seed a failure prints).
 */
const SEED = process.env.KUCOMMS_FUZZ_SEED ? Number(process.env.KUCOMMS_FUZZ_SEED) : seconds > 0 ? undefined : 20261207;

const regressionsRoot = fileURLToPath(new URL('./regressions/', import.meta.url));

type Input = string | Uint8Array;

function saved(target: string): Array<{ file: string; input: Input }> {
  const dir = path.join(regressionsRoot, target);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const bytes = readFileSync(path.join(dir, name));
    return {
      file: path.join(dir, name),
      input: name.endsWith('.txt') ? bytes.toString('utf8') : new Uint8Array(bytes),
    };
  });
}

function save(target: string, input: Input): string {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  const dir = path.join(regressionsRoot, target);
  makeDirectory(dir);
  const file = path.join(
    dir,
    `${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}.${typeof input === 'string' ? 'txt' : 'bin'}`,
  );
  writeFileSync(file, bytes);
  return file;
}

/**
 * Checks @check against every saved regression of @target, then against
 * inputs from @inputs. Throws, naming the (shrunk, saved) input, on the first failure.
 */
export async function fuzz<T extends Input>(
  target: string,
  inputs: fc.Arbitrary<T>,
  check: (input: T) => void | Promise<void>,
): Promise<{ runs: number }> {
  for (const { file, input } of saved(target)) {
    try {
      await check(input as T);
    } catch (err) {
      throw new Error(
        `${target}: the saved input ${path.relative(process.cwd(), file)} fails again: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  const result = await fc.check(
    fc.asyncProperty(inputs, async (input) => {
      await check(input);
    }),
    {
      numRuns: FUZZ_RUNS,
      interruptAfterTimeLimit: TIME_LIMIT_MS,
      markInterruptAsFailure: false,
      ...(SEED === undefined ? {} : { seed: SEED }),
    },
  );
  if (result.failed) {
    const input = result.counterexample![0];
    const file = save(target, input);
    const shown = typeof input === 'string' ? JSON.stringify(input.slice(0, 200)) : `${input.length} bytes`;
    throw new Error(
      `${target}: fails for ${shown} (saved as ${path.relative(process.cwd(), file)}; seed ${result.seed}, shrunk ${result.numShrinks} times): ${String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance)}`,
      { cause: result.errorInstance },
    );
  }
  return { runs: result.numRuns };
}

/** Bytes of @base with one change: a byte flipped, a stretch overwritten, bytes inserted or the end cut off. */
export function oneFieldBroken(bases: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      base: fc.constantFrom(...bases),
      at: fc.nat(),
      how: fc.constantFrom('flip', 'overwrite', 'insert', 'cut', 'u32'),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
      u32: fc.constantFrom(0, 1, 3, 11, 12, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff),
    })
    .map(({ base, at, how, bytes, u32 }) => {
      const b = Buffer.from(base);
      const i = b.length === 0 ? 0 : at % b.length;
      switch (how) {
        case 'flip':
          b[i] = (b[i] ?? 0) ^ (1 << (bytes[0]! % 8));
          return new Uint8Array(b);
        case 'overwrite':
          Buffer.from(bytes).copy(b, i);
          return new Uint8Array(b);
        case 'insert':
          return new Uint8Array(Buffer.concat([b.subarray(0, i), bytes, b.subarray(i)]));
        case 'cut':
          return new Uint8Array(b.subarray(0, i));
        case 'u32':
          // A length or count field (every 4-byte boundary) set to an edge value.
          if (b.length >= 4) b.writeUInt32LE(u32, Math.min(i - (i % 4), b.length - 4));
          return new Uint8Array(b);
      }
    });
}

/**
 * Bytes of @base with one of its length, count or index fields (u32 at the
 * offsets @fields finds) set to an edge value: the structured input that
 * reaches a reader's bounds checks, where random flips rarely land.
 */
export function oneLengthBroken(bases: Uint8Array[], fields: (base: Buffer) => number[]): fc.Arbitrary<Uint8Array> {
  const withFields = bases.map((b) => ({ base: b, at: fields(Buffer.from(b)) })).filter((x) => x.at.length > 0);
  return fc
    .record({
      pick: fc.constantFrom(...withFields),
      which: fc.nat(),
      value: fc.oneof(
        fc.constantFrom(0, 1, 3, 4, 11, 12, 13, 16, 28, 32, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff),
        fc.nat({ max: 0xffffffff }),
      ),
      littleEndian: fc.boolean(),
    })
    .map(({ pick, which, value, littleEndian }) => {
      const b = Buffer.from(pick.base);
      const at = pick.at[which % pick.at.length]!;
      if (littleEndian) b.writeUInt32LE(value, at);
      else b.writeUInt32BE(value, at);
      return new Uint8Array(b);
    });
}
