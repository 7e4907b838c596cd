// Writing capture files into the workspace: whole or not at all (written
// beside the target under a temporary name, then renamed over it), so the
// workspace watcher and a crash never see half a file, and in the format the
// name asks for (.kucap, or .pcapng for Wireshark and tshark).
import { renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CaptureWritten } from '../../../shared/api/captures-api.ts';
import type { CaptureRecord } from '../../capture/format.ts';
import { exportPcapng } from '../../capture/pcapng.ts';
import { CaptureWriter } from '../../capture/writer.ts';
import type { TrafficRows } from '../traffic/traffic-rows.ts';

/** Rows copied between yields to the event loop when saving the live store. */
const SLICE = 20_000;

/** Writes @records to @file (named @name) as .kucap or .pcapng by its extension. */
export async function writeCaptureFile(
  name: string,
  file: string,
  records: AsyncIterable<CaptureRecord>,
): Promise<CaptureWritten> {
  const tmp = path.join(path.dirname(file), `.${name}.${process.pid}.tmp`);
  try {
    let messages: number;
    if (name.endsWith('.pcapng')) messages = await exportPcapng(records, tmp);
    else {
      const writer = new CaptureWriter(tmp, { flushIntervalMs: 0 });
      try {
        for await (const r of records) writer.write(r);
      } finally {
        writer.close();
      }
      messages = writer.count;
    }
    renameSync(tmp, file);
    return { name, messages, bytes: statSync(file).size };
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The rows 0 .. @count-1 of @rows as capture records, yielding to the event loop now and then. */
export async function* rowRecords(rows: TrafficRows, count: number): AsyncGenerator<CaptureRecord> {
  for (let row = 0; row < count; row++) {
    if (row > 0 && row % SLICE === 0) await yieldToEventLoop();
    yield rows.get(row);
  }
}
