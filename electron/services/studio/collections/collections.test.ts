// Collections saved to their file and read back by the next Studio.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StudioError } from '../../../shared/studio-api.ts';
import { Collections } from './collections.ts';

describe('collections', () => {
  const message = (name: string) => ({
    name,
    header: { type: '1', id: '2', userValue: '0' },
    body: { format: 'raw' as const, data: 'aGk=' },
  });

  test('a saved message is listed, replaced by name, and read back from the file by the next Studio', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'studio-collections-')), 'collections.json');
    const c = new Collections(file);
    c.save('smoke', message('hello'));
    c.save('smoke', { ...message('hello'), header: { type: '9', id: '2', userValue: '0' } });
    c.save('smoke', message('bye'));
    assert.deepEqual(new Collections(file).list(), [
      {
        name: 'smoke',
        messages: [{ ...message('hello'), header: { type: '9', id: '2', userValue: '0' } }, message('bye')],
      },
    ]);
    assert.match(readFileSync(file, 'utf8'), /"name": "smoke"/);
  });

  test('removing the last message removes the collection; removing what is not there says so', () => {
    const c = new Collections();
    c.save('one', message('only'));
    assert.deepEqual(c.remove('one', 'only'), []);
    assert.throws(
      () => c.remove('one', 'only'),
      (e: unknown) =>
        e instanceof StudioError && e.code === 'ENOENT' && /collection "one" has no message "only"/.test(e.message),
    );
  });
});
