// An open target as the Studio uses it: send, receive (in batches, both
// directions), counters, close. Wraps the addon's Endpoint; demo targets get
// their own peer process first.
//
//   const ep = await Endpoint.open('demo:echo');
//   ep.on('messages', (msgs) => { for (const m of msgs) console.log(m.id, m.direction); });
//   ep.send({ type: 1n, id: 7n, userValue: 0n }, Buffer.from('hi'));
//   await ep.close();
import { EventEmitter } from 'node:events';
import type { Message, SendHeader } from '../shared/message.ts';
import { parseTarget } from '../shared/target.ts';
import { Backlog } from './backlog.ts';
import { decodeBatch } from './batch.ts';
import { startDemoPeer, type DemoPeer } from './demo-peers.ts';
import { loadBinding, type Binding } from './native-binding.ts';

export type EndpointOptions = Binding.EndpointOptions;

export interface Counters extends Binding.NativeCounters {
  /** Share of the send ring in use, 0..1. */
  txFill: number;
  /** Share of the receive ring waiting to be read, 0..1. */
  rxFill: number;
}

/** An Error from the addon or this module, with an errno-style `code`. */
export type KucommsError = Error & { code: string; errno?: number };

export interface EndpointEvents {
  /** Messages in order, received ('rx') and sent ('tx'), one batch per call. */
  messages: [messages: Message[]];
  /** The link died; sends fail from now on. */
  down: [error: KucommsError];
  /** close() was called: the endpoint is gone. */
  closed: [];
  /** EventEmitter's own: a listener is being added. */
  newListener: [event: string | symbol, listener: unknown];
}

const LOOPBACK_TARGET = 'inproc:loopback';

export function kucommsError(code: string, message: string): KucommsError {
  return Object.assign(new Error(message), { code });
}

export class Endpoint extends EventEmitter<EndpointEvents> {
  readonly target: string;
  #native: Binding.Endpoint | undefined;
  #peer: DemoPeer | undefined;
  readonly #backlog = new Backlog((messages) => this.emit('messages', messages));

  private constructor(target: string) {
    super();
    this.target = target;
    this.on('newListener', (event) => {
      if (event === 'messages') this.#backlog.release();
    });
  }

  /**
   * Opens a target: `/dev/kucomms_NAME`, `shm:NAME`, `demo:echo` or
   * `demo:longtest`. Rejects with a KucommsError (code 'ENOENT' when there
   * is no such device or peer, 'EACCES' without permission, ...).
   */
  static async open(target: string, options: EndpointOptions = {}): Promise<Endpoint> {
    const parsed = parseTarget(target);
    const ep = new Endpoint(target);
    switch (parsed.kind) {
      case 'device':
      case 'shm':
        ep.#native = ep.#openNative(target, options);
        break;
      case 'demo': {
        const peer = await startDemoPeer(parsed.demo);
        ep.#peer = peer;
        try {
          ep.#native = ep.#openNative(peer.target, options);
        } catch (err) {
          await peer.stop();
          throw err;
        }
        break;
      }
      case 'remote':
        throw kucommsError('ENOTSUP', `${target}: remote agents are not supported yet`);
    }
    return ep;
  }

  /**
   * An in-process link from an endpoint to itself: every message sent is
   * received back. No peer at all, so benchmarks measure this side only.
   */
  static loopback(options: EndpointOptions = {}): Endpoint {
    const ep = new Endpoint(LOOPBACK_TARGET);
    ep.#native = ep.#openNative(LOOPBACK_TARGET, options);
    return ep;
  }

  #openNative(target: string, options: EndpointOptions): Binding.Endpoint {
    const { Endpoint: NativeEndpoint } = loadBinding();
    return new NativeEndpoint(
      target,
      options,
      (batch, count) => this.#backlog.push(decodeBatch(batch, count)),
      (error) => this.emit('down', error),
    );
  }

  #live(what: string): Binding.Endpoint {
    if (!this.#native) throw kucommsError('ERR_ENDPOINT_CLOSED', `${what} ${this.target}: the endpoint is closed`);
    return this.#native;
  }

  /** The shared-memory target behind a demo target (for diagnostics). */
  get peerTarget(): string | undefined {
    return this.#peer?.target;
  }

  /** The process id of a demo target's peer. */
  get peerPid(): number | undefined {
    return this.#peer?.process.pid;
  }

  get closed(): boolean {
    return this.#native === undefined;
  }

  /** Largest data length this link can send. */
  get maxLength(): number {
    return this.#live('maximum length of').maxLength;
  }

  /** Sends one message; throws a KucommsError ('ENOBUFS' ring full, 'EMSGSIZE', 'EPIPE', ...). */
  send(header: SendHeader, data?: Uint8Array): void {
    const native = this.#live('send to');
    try {
      native.send(header.type, header.id, header.userValue, data);
    } catch (err) {
      throw this.#explained(err, data);
    }
  }

  /** Sends @count copies with ids counting up from header.id, waiting out a full ring. */
  sendBurst(count: number, header: SendHeader, data?: Uint8Array): Promise<number> {
    const native = this.#live('send to');
    return native
      .sendBurst(count, header.type, header.id, header.userValue, data)
      .catch((err: unknown) => Promise.reject(this.#explained(err, data)));
  }

  /**
   * A send's error as the user can act on it: an oversize message names the
   * limit and the size given, and this target (the addon names the link,
   * which for a demo target is an internal shm peer).
   */
  #explained(err: unknown, data: Uint8Array | undefined): unknown {
    if ((err as KucommsError).code !== 'EMSGSIZE' || !this.#native) return err;
    const given = data?.byteLength ?? 0;
    return kucommsError(
      'EMSGSIZE',
      `a message to ${this.target} may carry at most ${this.#native.maxLength} bytes of data; ${given} were given`,
    );
  }

  counters(): Counters {
    const c = this.#live('counters of').counters();
    return {
      ...c,
      txFill: c.txCapacity === 0n ? 0 : Number(c.txCapacity - c.txFree) / Number(c.txCapacity),
      rxFill: c.rxCapacity === 0n ? 0 : Number(c.rxUsed) / Number(c.rxCapacity),
    };
  }

  /** Closes the link (and stops a demo peer). Messages already received are still emitted. */
  async close(): Promise<void> {
    const native = this.#native;
    this.#native = undefined;
    native?.close();
    if (native) this.emit('closed');
    const peer = this.#peer;
    this.#peer = undefined;
    await peer?.stop();
  }
}
