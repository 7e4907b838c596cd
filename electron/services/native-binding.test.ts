// The addon called from JavaScript with every kind of wrong argument: each
// call throws a JavaScript TypeError or RangeError that says what was wrong,
// and never aborts the process (a native assertion would end this test file
// with a signal instead of a line per case). The calls run in a child process
// so that an abort is reported as this test failing, with its signal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const probe = fileURLToPath(new URL('./testdata/addon-bad-calls.ts', import.meta.url));

test('addon: every function given wrong types, sizes or ranges throws a JavaScript error naming the argument; none aborts', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', probe], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `the probe died of ${r.signal}: ${r.stderr.slice(-500)}`);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { call: string; threw: string | null; message: string });
  assert.ok(lines.length >= 30, `only ${lines.length} calls were tried`);
  const silent = lines.filter((l) => l.threw === null);
  assert.deepEqual(
    silent.map((l) => l.call),
    [],
    'these calls with bad arguments did not throw',
  );
  const unclear = lines.filter(
    (l) => !['TypeError', 'RangeError', 'Error'].includes(l.threw!) || l.message.length < 10,
  );
  assert.deepEqual(
    unclear.map((l) => `${l.call}: ${l.threw}: ${l.message}`),
    [],
    'these calls threw something unclear',
  );
});
