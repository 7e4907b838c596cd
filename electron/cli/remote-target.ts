// A target of a remote `kucomms-studio agent` for the command line
// (ws://HOST:PORT/TARGET, or wss:// with the agent's certificate pinned):
// sends go through the agent's Studio API, and its messages of that target
// come back as an endpoint's do. The token is read from the environment or a
// file, never from the command line, where `ps` would show it to everyone.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { messageFromJson, bytesToBase64, type SendHeader } from '../shared/message.ts';
import { kucommsError, type EndpointEvents } from '../services/endpoint.ts';
import { connectAgent, type AgentConnection } from '../services/studio/targets/agent-link.ts';
import { EXIT } from './exit-codes.ts';
import { CliError } from './cli-support.ts';

export const TOKEN_ENV = 'KUCOMMS_AGENT_TOKEN';
export const TOKEN_FILE_ENV = 'KUCOMMS_AGENT_TOKEN_FILE';
export const FINGERPRINT_ENV = 'KUCOMMS_AGENT_FINGERPRINT';

/** The agent's token: $KUCOMMS_AGENT_TOKEN, else the first line of the file $KUCOMMS_AGENT_TOKEN_FILE names. */
export function agentToken(url: string): string {
  const direct = process.env[TOKEN_ENV];
  if (direct) return direct.trim();
  const file = process.env[TOKEN_FILE_ENV];
  if (file) {
    try {
      return (readFileSync(file, 'utf8').split('\n')[0] ?? '').trim();
    } catch (err) {
      throw new CliError(`${TOKEN_FILE_ENV}=${file}: ${(err as Error).message}`, EXIT.USAGE);
    }
  }
  throw new CliError(
    `${url} needs the token the agent printed: put it in ${TOKEN_ENV}, or in a file named by ${TOKEN_FILE_ENV} ` +
      '(never on the command line, where other users see it)',
    EXIT.USAGE,
  );
}

export class RemoteTarget extends EventEmitter<EndpointEvents> {
  readonly target: string;
  readonly #inner: string;
  readonly #link: AgentConnection;
  /** Sends in flight, in order: a refusal of one ends the link as a local endpoint's failure would. */
  #sending: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(target: string, inner: string, link: AgentConnection) {
    super();
    this.target = target;
    this.#inner = inner;
    this.#link = link;
    link.api.on('messages', ({ target: t, messages }) => {
      if (t === inner) this.emit('messages', messages.map(messageFromJson));
    });
    void link.api.closed.then(({ reason }) => {
      if (!this.#closed)
        this.emit('down', kucommsError('EPIPE', `agent closed the connection${reason ? `: ${reason}` : ''}`));
    });
  }

  /** Connects to the agent of @target (ws://HOST:PORT/TARGET) and opens TARGET there. */
  static async open(target: string, url: string, inner: string): Promise<RemoteTarget> {
    const fingerprint = process.env[FINGERPRINT_ENV];
    const link = await connectAgent(url, agentToken(url), fingerprint || undefined);
    try {
      await link.api.connect({ target: inner });
    } catch (err) {
      link.api.close();
      throw err;
    }
    return new RemoteTarget(target, inner, link);
  }

  #request(header: SendHeader, data: Uint8Array | undefined, count: number): Promise<number> {
    return this.#link.api
      .send({
        target: this.#inner,
        header: { type: header.type.toString(), id: header.id.toString(), userValue: header.userValue.toString() },
        body: { format: 'raw', data: bytesToBase64(data ?? new Uint8Array()) },
        count,
      })
      .then((r) => r.sent);
  }

  /** Queues one message; the agent's refusal ends the link ('down'), as nothing else could report it. */
  send(header: SendHeader, data?: Uint8Array): void {
    this.#sending = this.#sending
      .then(() => this.#request(header, data, 1))
      .catch((err: Error) => this.emit('down', kucommsError('EIO', `${this.target}: ${err.message}`)));
  }

  async sendBurst(count: number, header: SendHeader, data?: Uint8Array): Promise<number> {
    await this.#sending;
    return this.#request(header, data, count);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sending;
    await this.#link.api.disconnect({ target: this.#inner }).catch(() => undefined);
    this.#link.api.close();
    this.emit('closed');
  }
}
