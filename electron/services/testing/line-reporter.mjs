// A node:test reporter printing the project's test lines: one per test,
// "ok - NAME" or "not ok - NAME: WHY (FILE:LINE)", names joined with " > "
// through their describe() blocks. Suites are not tests of their own; a
// test file that crashes outside any test is one failed test named by its
// path, with the last thing it wrote to stderr as the reason.
import path from 'node:path';

const repo = process.cwd();

function oneLine(text) {
  return String(text).replace(/\s+/g, ' ').trim();
}

// Where in a test file the error was thrown: the first frame in a *.test.* file.
function where(error) {
  const stack = String(error?.cause?.stack ?? error?.stack ?? '');
  const m = /((?:file:\/\/)?\/[^\s():]+\.test\.[cm]?[jt]s):(\d+)/.exec(stack);
  return m ? ` (${path.relative(repo, m[1].replace(/^file:\/\//, ''))}:${m[2]})` : '';
}

function reason(error) {
  const e = error?.cause ?? error;
  if (!e) return 'failed';
  if (e.code === 'ERR_TEST_FAILURE' && e.failureType === 'cancelledByParent') return 'not run: its suite failed first';
  return oneLine(e.message ?? e) || 'failed';
}

// The gist of what a crashed test file wrote: its error line if it has one.
function crashReason(stderr) {
  const lines = (stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('Node.js v'));
  return lines.find((l) => /^([A-Za-z]*Error|Error)\b/.test(l)) ?? lines[lines.length - 1];
}

export default async function* lineReporter(source) {
  const names = [];
  const stderrByFile = new Map();
  for await (const event of source) {
    const d = event.data;
    switch (event.type) {
      case 'test:start':
        names[d.nesting] = d.name;
        names.length = d.nesting + 1;
        break;
      case 'test:stderr':
        if (d.file) stderrByFile.set(d.file, (stderrByFile.get(d.file) ?? '') + String(d.message));
        break;
      case 'test:pass':
      case 'test:fail': {
        if (d.details?.type === 'suite') break;
        if (event.type === 'test:pass') {
          if (!d.skip && !d.todo) yield `ok - ${[...names.slice(0, d.nesting), d.name].join(' > ')}\n`;
          else yield `not ok - ${[...names.slice(0, d.nesting), d.name].join(' > ')}: skipped, so not run\n`;
          break;
        }
        const isFile = d.nesting === 0 && d.file && d.name === d.file;
        const name = isFile ? path.relative(repo, d.file) : [...names.slice(0, d.nesting), d.name].join(' > ');
        const why = isFile ? `the test file failed outside any test: ${oneLine(crashReason(stderrByFile.get(d.file)) ?? reason(d.details?.error))}` : `${reason(d.details?.error)}${where(d.details?.error)}`;
        yield `not ok - ${name}: ${why}\n`;
        break;
      }
      default:
        break;
    }
  }
}
