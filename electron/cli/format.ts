// How the CLI prints messages: one line each, readable or JSON.
import { linkName, messageToJson, noteText, type Message } from '../shared/message.ts';

function isPrintable(data: Uint8Array): boolean {
  for (const b of data) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

/**
 * "rx 2026-01-01T00:00:00.123456789Z type=1 id=2 user_value=3 length=5 data=68656c6c6f "hello"";
 * monitored: "tx TIME link=kucomms_echo#3 pid=4242 process=echo_daemon type=...", and its notes
 * "rx TIME link=kucomms_echo#3 pid=4242 process=echo_daemon drop: 37 messages dropped by the monitor".
 */
export function formatMessage(m: Message): string {
  const seconds = m.timestampNs / 1_000_000_000n;
  const nanos = (m.timestampNs % 1_000_000_000n).toString().padStart(9, '0');
  const time = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, `.${nanos}Z`);
  const hex = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('hex');
  const text =
    m.data.length > 0 && isPrintable(m.data) ? ` ${JSON.stringify(Buffer.from(m.data).toString('latin1'))}` : '';
  const o = m.origin;
  const origin = o ? ` link=${linkName(o)} pid=${o.pid} process=${o.process || '-'}` : '';
  if (o?.note !== undefined)
    return `${m.direction} ${time}${origin} ${o.note === 'drop' ? 'drop' : 'event'}: ${noteText(o)}`;
  return `${m.direction} ${time}${origin} type=${m.type} id=${m.id} user_value=${m.userValue} length=${m.length} data=${hex}${text}`;
}

export function formatMessageJson(m: Message): string {
  return JSON.stringify(messageToJson(m));
}
