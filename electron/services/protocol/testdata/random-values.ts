// Random (seeded, reproducible) values for every field of a message kind,
// within what each field can hold, for round-trip tests.
import { intIsBig, type FieldDef, type FieldType, type MessageKind, type StructDef } from '../layout.ts';
import type { FieldValue, StructValue } from '../values.ts';

export class Rng {
  constructor(private state: number) {}
  /** 0 <= n < 2^32 */
  next(): number {
    // xorshift32
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
  bits(n: number): bigint {
    let v = 0n;
    for (let i = 0; i < n; i += 32) v = (v << 32n) | BigInt(this.next());
    return BigInt.asUintN(n, v);
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.below(256));
  }
  text(n: number): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 éßλ→';
    return Array.from({ length: n }, () => alphabet[this.below(alphabet.length)]).join('');
  }
}

const LATIN1 = 'abcdefghijklmnopqrstuvwxyz0123456789 \u00e9\u00df\u00ff\u00a0';

/** @size: the byte size of a bytes or string value measured by a size field (one for every element of an array). */
function randomValue(t: FieldType, rng: Rng, size?: number): FieldValue {
  switch (t.kind) {
    case 'int': {
      if (t.subfields) {
        const o: StructValue = {};
        let covered = 0n;
        for (const bf of t.subfields) {
          covered |= ((1n << BigInt(bf.width)) - 1n) << BigInt(bf.at);
          const v = rng.bits(bf.width);
          const name = bf.enum?.entries[rng.below(bf.enum.entries.length)]?.name;
          o[bf.name] = bf.enum && name !== undefined ? name : bf.width > 48 ? v : Number(v);
        }
        // Bits no part names come back as $rest; encoding keeps them.
        const unnamed = BigInt.asUintN(t.bits, ~covered) & rng.bits(t.bits);
        if (unnamed !== 0n && rng.below(2) === 0) o.$rest = intIsBig(t) ? unnamed : Number(unnamed);
        return o;
      }
      if (t.enum && rng.below(4) > 0) return t.enum.entries[rng.below(t.enum.entries.length)]?.name ?? 0;
      // Favour the edges, where byte order and sign bugs show.
      const edge = rng.below(4);
      let v = edge === 0 ? 0n : edge === 1 ? (1n << BigInt(t.bits)) - 1n : rng.bits(t.bits);
      if (t.signed) v = BigInt.asIntN(t.bits, v);
      const enumName = t.enum?.entries.find((e) => e.value === v)?.name;
      if (enumName !== undefined) return enumName;
      return intIsBig(t) ? v : Number(v);
    }
    case 'float': {
      const special = [NaN, -0, Infinity, -Infinity, Number.MIN_VALUE];
      const f = rng.below(8) === 0 ? special[rng.below(special.length)] ?? 0 : (rng.next() / 2 ** 16 - 2 ** 15) * (rng.below(2) ? 1e-3 : 1e3);
      return t.bits === 32 ? Math.fround(f) : f;
    }
    case 'bool':
      return rng.below(2) === 1;
    case 'bytes':
      return rng.bytes(t.size.kind === 'fixed' ? t.size.n : size ?? rng.below(20));
    case 'string': {
      if (t.size.kind === 'fixed') {
        if (t.encoding === 'latin1') return String.fromCharCode(...Array.from({ length: t.size.n }, () => 32 + rng.below(200)));
        // Shorter only where padding fills the rest.
        return 'abcdefgh'.repeat(Math.ceil(t.size.n / 8)).slice(0, t.pad === undefined ? t.size.n : rng.below(t.size.n + 1));
      }
      if (t.encoding === 'latin1') return Array.from({ length: size ?? rng.below(12) }, () => LATIN1[rng.below(LATIN1.length)]).join('');
      if (size !== undefined) return 'x'.repeat(size);
      // A leading byte order mark is text like any other: it must survive.
      return `${rng.below(8) === 0 ? '\ufeff' : ''}${rng.text(rng.below(12))}`;
    }
    case 'struct':
      return randomStruct(t.struct, rng);
  }
}

function randomField(f: FieldDef, rng: Rng): FieldValue {
  // Elements measured by one size field all have its size.
  const shared = (f.type.kind === 'bytes' || f.type.kind === 'string') && f.type.size.kind === 'field' ? rng.below(6) : undefined;
  if (f.count === undefined) return randomValue(f.type, rng, shared);
  const n = f.count.kind === 'fixed' ? f.count.n : rng.below(5);
  return Array.from({ length: n }, () => randomValue(f.type, rng, shared));
}

export function randomStruct(s: StructDef, rng: Rng): StructValue {
  const out: StructValue = {};
  for (const f of s.fields) out[f.name] = randomField(f, rng);
  // Length fields are left out: the encoder computes them.
  for (const f of s.fields) {
    const size = f.type.kind === 'bytes' || f.type.kind === 'string' ? f.type.size : undefined;
    for (const len of [f.count, size]) if (len?.kind === 'field') delete out[len.field];
  }
  return out;
}

export function randomMessage(kind: MessageKind, rng: Rng): StructValue {
  return randomStruct(kind.struct, rng);
}
