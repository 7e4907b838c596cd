// A fuzz finding as a regression test of the workspace (tests/NAME.yaml, the
// protocol test format `kucomms-studio test` runs): replay the reduced
// reproducer, then send the probe and expect its answer. It passes once the
// target takes the reproducer and still answers.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { decodeData } from '../protocol/decode.ts';
import type { Layout } from '../protocol/layout.ts';
import { valueToJson } from '../protocol/values.ts';
import type { FuzzMessage } from './mutations.ts';

export interface RegressionTest {
  workspace: string;
  name: string;
  target: string;
  layout: Layout;
  /** The reproducer, relative to the workspace. */
  capture: string;
  probe: FuzzMessage;
  probeId: bigint;
  hangMs: number;
  finding: string;
  reduced: FuzzMessage[];
}

/** Writes tests/NAME.yaml; returns its path relative to the workspace. */
export function writeRegressionTest(t: RegressionTest): string {
  const probe = decodeData(
    t.layout,
    {
      length: BigInt(t.probe.data.length),
      type: t.probe.header.type,
      id: t.probeId,
      user_value: t.probe.header.userValue,
    },
    t.probe.data,
  );
  const doc = {
    name: t.name,
    target: t.target,
    layout: path.basename(t.layout.file),
    steps: [
      { replay: t.capture, timing: 'fast' },
      {
        send: {
          kind: probe.kind,
          header: { id: t.probeId.toString() },
          fields: valueToJson(probe.data),
        },
      },
      { expect: { filter: `id == ${t.probeId}`, within_ms: t.hangMs } },
    ],
  };
  const comment = [
    `# Found by kucomms-studio fuzz: ${t.finding}`,
    `# Reproducer (${t.capture}):`,
    ...t.reduced.map((m) => `#   ${m.mutation}`),
    '# The target must take it and still answer a valid message.',
  ].join('\n');
  const file = path.join('tests', `${t.name}.yaml`);
  writeFileSync(path.join(t.workspace, file), `${comment}\n${stringify(doc)}`);
  return file;
}
