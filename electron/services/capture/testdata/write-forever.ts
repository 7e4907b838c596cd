// Test helper: writes capture records to argv[2] until killed, record n with
// id n and n % 200 data bytes of n % 256, and prints "ready" once 5000 are
// on disk. The capture tests kill it with SIGKILL mid-write.
import { CaptureWriter } from '../writer.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: write-forever.ts FILE');
const writer = new CaptureWriter(file, { blockBytes: 16 << 10, flushIntervalMs: 5 });
let n = 0;
function burst(): void {
  for (let i = 0; i < 500; i++, n++) {
    const length = n % 200;
    writer.write({
      target: n % 3 ? 'demo:echo' : '/dev/kucomms_echo',
      direction: n % 2 ? 'rx' : 'tx',
      timestampNs: 1_000_000_000n + BigInt(n),
      length: BigInt(length),
      type: 1n,
      id: BigInt(n),
      userValue: 0n,
      data: new Uint8Array(length).fill(n % 256),
    });
  }
  if (n === 5000) {
    writer.flush();
    process.stdout.write('ready\n');
  }
  setImmediate(burst);
}
burst();
