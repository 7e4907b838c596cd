// Messages of protocols/telemetry.yaml (`reply: match: [id]`) for the
// analysis tests, the end-to-end tests and the UI benchmark: a request and
// its echo, a sample carrying a temperature, a reply too short for its
// layout, and one whose enum field holds a value the enum does not name.
import type { Direction, Message } from '../../../../shared/message.ts';

export const GET_INFO = 1n;
export const CONFIGURED = 4n;
export const SAMPLE = 5n;

/** Bytes of a sample's data; its temperature (f32) is at TEMPERATURE_AT. */
const SAMPLE_BYTES = 39;
const TEMPERATURE_AT = 27;

export function message(
  direction: Direction,
  timestampNs: bigint,
  type: bigint,
  id: bigint,
  data = new Uint8Array(0),
): Message {
  return { direction, timestampNs, type, id, userValue: 0n, length: BigInt(data.length), data };
}

/** A sample (rx, id 0) of @channel with @temperature °C. */
export function sample(timestampNs: bigint, channel: number, temperature: number): Message {
  const data = new Uint8Array(SAMPLE_BYTES);
  data[4] = channel;
  new DataView(data.buffer).setFloat32(TEMPERATURE_AT, temperature, true);
  return message('rx', timestampNs, SAMPLE, 0n, data);
}

/** A configured reply: result (an enum: 0..4 named), channel, period_us; @bytes cuts it short. */
export function configured(timestampNs: bigint, id: bigint, result: number, bytes = 6): Message {
  const data = new Uint8Array(6);
  data[0] = result;
  data[1] = 1;
  new DataView(data.buffer).setUint32(2, 1000, true);
  return message('rx', timestampNs, CONFIGURED, id, data.subarray(0, bytes));
}

/**
 * A session of two sensor boards (@targets), a second long from @t0: each
 * asks get_info a few times and gets its echo after a round trip that grows
 * with each request, one request stays unanswered, one reply is cut short,
 * one carries a result its enum does not name, and samples every 10 ms with
 * a temperature that rises on one board and falls on the other.
 */
export function twoBoardSession(t0: bigint, targets: readonly [string, string]): Array<Message & { target: string }> {
  const out: Array<Message & { target: string }> = [];
  const at = (ms: number): bigint => t0 + BigInt(Math.round(ms * 1e6));
  targets.forEach((target, b) => {
    for (let i = 0; i < 100; i++)
      out.push({ ...sample(at(i * 10 + b), b, b === 0 ? 20 + i * 0.05 : 30 - i * 0.04), target });
    for (let i = 0; i < 8; i++) {
      const id = BigInt(100 * (b + 1) + i);
      out.push({ ...message('tx', at(i * 100 + 5), GET_INFO, id), target });
      out.push({ ...message('rx', at(i * 100 + 5 + 0.2 * (i + 1) * (b + 1)), GET_INFO, id), target });
    }
  });
  out.push({ ...message('tx', at(900), GET_INFO, 999n), target: targets[0] });
  out.push({ ...configured(at(910), 301n, 0, 5), target: targets[1] });
  out.push({ ...configured(at(920), 302n, 9), target: targets[1] });
  out.push({ ...sample(at(1000), 0, 25), target: targets[0] });
  return out.sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0));
}
