// The Studio's composer calls (electron/shared/api/composer-api.ts): a
// message written as raw bytes or as a layout's kind with field values,
// turned into bytes and a field tree (the composer's hex view), and sent to
// a target once, in a burst of copies or periodically.
import { base64ToBytes, bytesToBase64 } from '../../../shared/message.ts';
import type { CallParsed } from '../../../shared/studio-api.ts';
import type { composerCalls } from '../../../shared/api/composer-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { messageBytes } from '../../capture/diff.ts';
import { decodeMessage, HEADER_SIZE } from '../../protocol/decode.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import type { Decoded } from '../../protocol/values.ts';
import { decodedJson } from '../message-view.ts';
import type { AreaHandlers, SendRoute, StudioArea, StudioContext } from '../studio-context.ts';
import { structFromJson } from '../values-from-json.ts';

export class ComposerArea implements StudioArea<typeof composerCalls> {
  readonly handlers: AreaHandlers<typeof composerCalls>;
  readonly #ctx: StudioContext;
  readonly #route: (target: string) => SendRoute;
  readonly #periodic = new Map<string, { timer: NodeJS.Timeout; sent: number }>();
  #nextPeriodic = 1;

  /** @route: how to reach an open target (the targets area knows). */
  constructor(ctx: StudioContext, route: (target: string) => SendRoute) {
    this.#ctx = ctx;
    this.#route = route;
    this.handlers = {
      listProtocols: async () => ctx.protocols.list(),
      encode: async (i) => {
        const { bytes, decoded } = this.#encode(i);
        return { bytes: bytesToBase64(bytes), decoded: decoded ? decodedJson(decoded) : { tree: [] } };
      },
      send: async (i) => ({ sent: await this.#send(i) }),
      startPeriodic: async (i) => this.#startPeriodic(i),
      stopPeriodic: async (i) => {
        const p = this.#periodic.get(i.periodic);
        if (!p) throw new StudioError({ code: 'ENOENT', message: `no periodic send "${i.periodic}" is running` });
        clearInterval(p.timer);
        this.#periodic.delete(i.periodic);
        return { sent: p.sent };
      },
    };
  }

  #encode(input: CallParsed<'encode'>): { bytes: Uint8Array; decoded: Decoded | undefined } {
    const header = {
      type: BigInt(input.header.type),
      id: BigInt(input.header.id),
      user_value: BigInt(input.header.userValue),
    };
    if (input.body.format === 'raw') {
      const data = base64ToBytes(input.body.data);
      const message = {
        direction: 'tx' as const,
        timestampNs: 0n,
        length: BigInt(data.length),
        type: header.type,
        id: header.id,
        userValue: header.user_value,
        data,
      };
      return { bytes: messageBytes(message), decoded: undefined };
    }
    const layout = this.#ctx.protocols.get(input.body.protocol);
    const kindName = input.body.kind;
    const kind = kindName === undefined ? undefined : layout.messages.find((m) => m.name === kindName);
    if (kindName !== undefined && !kind) {
      const kinds = layout.messages.map((m) => m.name).join(', ');
      throw new StudioError({
        code: 'EINVAL_INPUT',
        message: `protocol ${layout.protocol} has no message kind "${kindName}": its kinds are ${kinds}`,
      });
    }
    const selected =
      kind ??
      layout.messages.find((m) => Object.entries(m.when).every(([k, v]) => header[k as keyof typeof header] === v));
    const fields = selected ? structFromJson(selected.struct, input.body.fields) : {};
    const bytes = encodeMessage(layout, header, fields, kindName);
    return { bytes, decoded: decodeMessage(layout, bytes) };
  }

  async #send(input: CallParsed<'send'>): Promise<number> {
    const route = this.#route(input.target);
    // Encoded here, whatever the route: the layouts are this Studio's, and an agent may not have them.
    const { bytes } = this.#encode(input);
    if ('api' in route) {
      const body = { format: 'raw' as const, data: bytesToBase64(bytes.subarray(HEADER_SIZE)) };
      return (await route.api.send({ ...input, target: route.inner, body })).sent;
    }
    const header = {
      type: BigInt(input.header.type),
      id: BigInt(input.header.id),
      userValue: BigInt(input.header.userValue),
    };
    const data = bytes.subarray(HEADER_SIZE);
    if (input.count === 1) {
      route.endpoint.send(header, data);
      return 1;
    }
    return route.endpoint.sendBurst(input.count, header, data);
  }

  async #startPeriodic(input: CallParsed<'startPeriodic'>): Promise<{ periodic: string }> {
    const first = await this.#send({ ...input, count: 1 });
    const id = `p${this.#nextPeriodic++}`;
    const entry = {
      sent: first,
      timer: setInterval(() => {
        this.#send({ ...input, count: 1 }).then(
          (n) => (entry.sent += n),
          (err: Error) => {
            clearInterval(entry.timer);
            this.#periodic.delete(id);
            const message = `periodic send to ${input.target} stopped after ${entry.sent}: ${err.message}`;
            this.#ctx.emit('notice', { level: 'error', message });
          },
        );
      }, input.periodMs),
    };
    this.#periodic.set(id, entry);
    return { periodic: id };
  }

  /** Stops every periodic send. */
  async close(): Promise<void> {
    for (const p of this.#periodic.values()) clearInterval(p.timer);
    this.#periodic.clear();
  }
}
