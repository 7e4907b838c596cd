// How a reply pairing is shown through the API: one line for the diff list,
// and field by field with both messages' bytes for the detail.
import type { ReplayMessageJson, ReplayPairDetail, ReplayPairJson } from '../../../shared/api/replay-api.ts';
import { bytesToBase64, type Message } from '../../../shared/message.ts';
import { compareFields, messageBytes, VolatileFields } from '../../capture/diff.ts';
import { decodeMessage } from '../../protocol/decode.ts';
import type { Layout } from '../../protocol/layout.ts';
import { summaryOf } from '../message-view.ts';
import type { StoredPair } from './replay-run.ts';

const LISTED_DIFFS = 3;

function describe(layout: Layout | undefined, m: Message): { kind?: string; summary: string } {
  const decoded = layout ? decodeMessage(layout, messageBytes(m)) : undefined;
  return { ...(decoded?.kind !== undefined ? { kind: decoded.kind } : {}), summary: summaryOf(decoded, m.data) };
}

/** The pair's line in the diff list. */
export function pairJson(p: StoredPair, index: number, layout: Layout | undefined): ReplayPairJson {
  const shown = p.captured ?? p.replayed;
  const { kind, summary } = shown ? describe(layout, shown) : { kind: undefined, summary: '' };
  let line = summary;
  if (p.status === 'different') {
    const listed = p.diffs.slice(0, LISTED_DIFFS).map((d) => `${d.path}: ${d.captured} → ${d.replayed}`);
    const more = p.diffs.length - listed.length;
    line = `${listed.join('; ')}${more > 0 ? `; ${more} more` : ''}`;
  } else if (p.status === 'missing') line = `no reply came for: ${summary || '(no data)'}`;
  else if (p.status === 'unexpected') line = `no captured reply is like: ${summary || '(no data)'}`;
  return {
    index,
    status: p.status,
    reply: p.reply,
    ...(kind !== undefined ? { kind } : {}),
    summary: line,
    diffs: p.diffs,
  };
}

function messageJson(m: Message): ReplayMessageJson {
  return {
    type: m.type.toString(),
    id: m.id.toString(),
    userValue: m.userValue.toString(),
    length: m.length.toString(),
    timestampNs: m.timestampNs.toString(),
    bytes: bytesToBase64(messageBytes(m)),
  };
}

/** The pair field by field (every field, the differing ones marked) with both messages. */
export function pairDetail(
  p: StoredPair,
  index: number,
  layout: Layout | undefined,
  volatile: readonly string[],
): ReplayPairDetail {
  return {
    pair: pairJson(p, index, layout),
    fields: compareFields(layout, p.captured, p.replayed, new VolatileFields(volatile)),
    ...(p.captured ? { captured: messageJson(p.captured) } : {}),
    ...(p.replayed ? { replayed: messageJson(p.replayed) } : {}),
  };
}
