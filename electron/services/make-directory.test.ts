import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeDirectory } from './make-directory.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'make-directory-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('makeDirectory makes the missing parents too, and accepts a folder that exists', () => {
  const dir = path.join(root, 'a', 'b', 'c');
  makeDirectory(dir, 0o700);
  makeDirectory(dir);
  assert.ok(statSync(dir).isDirectory());
  assert.equal(statSync(path.join(root, 'a')).mode & 0o777, 0o700);
});

test("makeDirectory under /proc fails at once with the folder it could not make (Node's own mkdir -p never returns)", () => {
  assert.throws(() => makeDirectory('/proc/no-such-folder/state'), /ENOENT.*'\/proc\/no-such-folder'/);
});

test('makeDirectory below a file fails naming the path', () => {
  assert.throws(() => makeDirectory('/etc/hostname/sub'), /ENOTDIR.*\/etc\/hostname\/sub/);
});
