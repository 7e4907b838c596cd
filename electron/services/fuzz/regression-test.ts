// A fuzz finding as a regression test of the workspace (tests/NAME.yaml, the
// protocol test format of `kucomms-studio test`, electron/services/suites/):
// send the reduced reproducer's messages, then a valid message, and expect
// its answer. Raw bytes, so the test needs no layout: it passes once the
// target takes the reproducer and still answers. (A test cannot read the
// kernel log: a kernel warning's reproducer is run again, and the test
// fails only when the target stops answering; the comment says what to
// look for.)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { SendHeader } from '../../shared/message.ts';
import type { FuzzMessage } from './mutations.ts';

export interface RegressionTest {
  workspace: string;
  name: string;
  target: string;
  /** The reproducer's capture, relative to the workspace. */
  capture: string;
  probe: FuzzMessage;
  probeId: bigint;
  /** The header fields an answer shares with its request (the layout's reply: match:). */
  match: ReadonlyArray<'type' | 'id' | 'user_value'>;
  hangMs: number;
  finding: string;
  reduced: FuzzMessage[];
}

const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');
const rawSend = (header: SendHeader, data: Uint8Array) => ({
  send: {
    header: { type: header.type.toString(), id: header.id.toString(), user_value: header.userValue.toString() },
    hex: hex(data),
  },
});

/** The filter an answer to the probe matches: the header fields the layout's replies share with their requests. */
function answerFilter(t: RegressionTest): string {
  const value = { type: t.probe.header.type, id: t.probeId, user_value: t.probe.header.userValue };
  return t.match.map((k) => `${k} == ${value[k]}`).join(' && ');
}

/** Writes tests/NAME.yaml; returns its path relative to the workspace. */
export function writeRegressionTest(t: RegressionTest): string {
  const doc = {
    name: `${t.name}: ${t.target} still answers after the fuzz finding's reproducer`,
    target: t.target,
    steps: [
      ...t.reduced.map((m, i) => rawSend({ ...m.header, id: BigInt(i + 1) }, m.data)),
      rawSend({ ...t.probe.header, id: t.probeId }, t.probe.data),
      { expect: { filter: answerFilter(t), within_ms: t.hangMs } },
    ],
  };
  const comment = [
    `# Found by kucomms-studio fuzz: ${t.finding}`,
    `# The reproducer (also in ${t.capture}):`,
    ...t.reduced.map((m) => `#   ${m.mutation}`),
    '# After it, the target must still answer a valid message. A kernel warning',
    '# does not fail this test by itself: look for it in the kernel log (dmesg).',
  ].join('\n');
  const file = path.join('tests', `${t.name}.yaml`);
  writeFileSync(path.join(t.workspace, file), `${comment}\n${stringify(doc)}`);
  return file;
}
