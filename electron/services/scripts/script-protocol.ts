// A handler script's protocol layout, inside the script's worker thread: the
// decoded view of each received message, and encoding of what the script
// sends in the layout's terms. Loaded once per run, in the worker, so that
// neither a large layout nor a slow decode holds up the Studio's own thread.
import { HEADER_SIZE } from '../protocol/decode.ts';
import { EncodeError, encodeData } from '../protocol/encode.ts';
import type { HeaderKey, Layout, MessageKind } from '../protocol/layout.ts';
import { LayoutLoadError, loadLayoutFile } from '../protocol/loader.ts';
import { decodeReceived } from '../protocol/decode.ts';
import type { StructValue } from '../protocol/values.ts';
import type { ScriptDecoded, ScriptMessage, ScriptSendHeader } from './script-api.ts';

const SEND_KEYS: ReadonlyArray<[HeaderKey, keyof ScriptSendHeader]> = [
  ['type', 'type'],
  ['id', 'id'],
  ['user_value', 'userValue'],
];

export class ScriptProtocol {
  private constructor(readonly layout: Layout) {}

  /** Throws LayoutLoadError (every error of the file, with line and column) or why the file cannot be read. */
  static load(file: string): ScriptProtocol {
    try {
      return new ScriptProtocol(loadLayoutFile(file));
    } catch (err) {
      if (err instanceof LayoutLoadError) throw err;
      throw new Error(`cannot read layout ${file}: ${(err as Error).message}`);
    }
  }

  get protocol(): string {
    return this.layout.protocol;
  }

  /** Never throws: a message that does not fit carries the codec's error. */
  decode(m: ScriptMessage): ScriptDecoded {
    const header = { length: m.length, type: m.type, id: m.id, user_value: m.userValue };
    try {
      const d = decodeReceived(this.layout, m);
      return {
        header,
        data: d.data,
        ...(d.kind !== undefined ? { kind: d.kind } : {}),
        ...(d.error ? { error: d.error } : {}),
      };
    } catch (err) {
      // A codec bug must not stop the script: it gets the message as a misfit.
      const message = `data at offset ${HEADER_SIZE}: the ${this.protocol} decoder failed: ${(err as Error).message}`;
      return {
        header,
        data: {},
        error: { path: 'data', offset: HEADER_SIZE, expected: `a message ${this.protocol} decodes`, message },
      };
    }
  }

  encode(kind: string, fields: StructValue): Uint8Array {
    return encodeData(this.#kind(kind), fields);
  }

  /** @given with the header values that select @kind filled in. */
  header(kind: string, given: ScriptSendHeader = {}): ScriptSendHeader {
    const k = this.#kind(kind);
    const out: ScriptSendHeader = { ...given };
    for (const [key, sendKey] of SEND_KEYS) {
      const needed = k.when[key];
      if (needed === undefined) continue;
      const v = given[sendKey];
      if (v !== undefined && (typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : undefined) !== needed)
        throw new EncodeError(
          `header.${key}`,
          `${String(v)} does not select message kind ${kind} of ${this.protocol} (it needs ${needed})`,
        );
      out[sendKey] = needed;
    }
    return out;
  }

  #kind(name: string): MessageKind {
    const k = this.layout.messages.find((m) => m.name === name);
    if (!k)
      throw new EncodeError(
        'kind',
        `no message kind "${name}" in ${this.protocol} (${this.layout.messages.map((m) => m.name).join(', ')})`,
      );
    return k;
  }
}
