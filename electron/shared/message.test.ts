import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageFromJson, messageToJson, u64Input, type Message } from './message.ts';
import { parseTarget } from './target.ts';

const U64_MAX = (1n << 64n) - 1n;

test('a message survives JSON with u64 fields as decimal strings, 2^64-1 exactly', () => {
  const m: Message = {
    direction: 'rx',
    timestampNs: 1_700_000_000_123_456_789n,
    length: 3n,
    type: U64_MAX,
    id: 2n ** 53n + 1n,
    userValue: 0n,
    data: Buffer.from([0, 255, 7]),
  };
  const json = JSON.parse(JSON.stringify(messageToJson(m))) as unknown;
  assert.deepEqual((json as { type: string; id: string }).type, '18446744073709551615');
  assert.deepEqual((json as { id: string }).id, '9007199254740993');
  const back = messageFromJson(json);
  assert.deepEqual({ ...back, data: [...back.data] }, { ...m, data: [0, 255, 7] });
});

test('JSON with a number, a negative, an out-of-range value or a wrong length is refused', () => {
  const good = messageToJson({
    direction: 'tx',
    timestampNs: 1n,
    length: 1n,
    type: 0n,
    id: 0n,
    userValue: 0n,
    data: Buffer.from([1]),
  });
  assert.throws(() => messageFromJson({ ...good, id: 5 }), /id/);
  assert.throws(() => messageFromJson({ ...good, id: '-1' }), /decimal u64/);
  assert.throws(() => messageFromJson({ ...good, id: '18446744073709551616' }), /exceeds 2\^64-1/);
  assert.throws(() => messageFromJson({ ...good, length: '2' }), /length 2 does not match its 1 data bytes/);
});

test('u64 input accepts decimal and 0x hex up to 2^64-1 and nothing else', () => {
  assert.equal(u64Input.parse('0xffffffffffffffff'), U64_MAX);
  assert.equal(u64Input.parse('42'), 42n);
  for (const bad of ['-1', '1.5', '0x', '18446744073709551616', 'ten'])
    assert.equal(u64Input.safeParse(bad).success, false, bad);
});

test('target names: devices, shm peers, demo peers, remote agents; anything else is refused with the accepted forms', () => {
  assert.deepEqual(parseTarget('/dev/kucomms_echo'), {
    kind: 'device',
    target: '/dev/kucomms_echo',
    path: '/dev/kucomms_echo',
    name: 'kucomms_echo',
  });
  assert.deepEqual(parseTarget('shm:my.peer-1'), { kind: 'shm', target: 'shm:my.peer-1', name: 'my.peer-1' });
  assert.deepEqual(parseTarget('demo:longtest'), { kind: 'demo', target: 'demo:longtest', demo: 'longtest' });
  assert.equal(parseTarget('ws://board:7070').kind, 'remote');
  for (const bad of [
    '/dev/kucomms_',
    '/dev/kucomms_UP',
    '/dev/tty',
    'shm:',
    'shm:a/b',
    `/dev/kucomms_${'x'.repeat(56)}`,
  ])
    assert.throws(() => parseTarget(bad), /is not a target name/, bad);
});
