// What kucomms-studio gen and decode do: code from a layout, and messages
// (hex or a capture file) decoded field by field. Loaded when one of them runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Message } from '../shared/message.ts';
import { importPcapng } from '../services/capture/pcapng.ts';
import { isCaptureHeader, readCapture, type CaptureProblem } from '../services/capture/reader.ts';
import type { CaptureRecord } from '../services/capture/format.ts';
import { messageBytes } from '../services/capture/diff.ts';
import { decodeMessage } from '../services/protocol/decode.ts';
import { GenerateError, generateC } from '../services/protocol/gen-c.ts';
import { EXIT } from './exit-codes.ts';
import { generateLua } from '../services/protocol/gen-lua.ts';
import { generateTs } from '../services/protocol/gen-ts.ts';
import type { Layout } from '../services/protocol/layout.ts';
import { LayoutLoadError, loadLayoutFile, loadLayoutText } from '../services/protocol/loader.ts';
import { valueToJson, type Decoded, type FieldNode } from '../services/protocol/values.ts';
import { formatMessage } from './format.ts';
import { refuseOverwritingInput, say } from './cli-support.ts';
import { parseHexBytes } from '../services/hex-bytes.ts';

/** Loads a layout, printing every error (file:line:column) on failure. */
export function loadLayoutOrReport(file: string): Layout | undefined {
  try {
    return loadLayoutFile(file);
  } catch (err) {
    if (err instanceof LayoutLoadError) {
      process.stderr.write(`${err.message}\n`);
      say(`${file}: ${err.errors.length} error${err.errors.length === 1 ? '' : 's'}; nothing done`);
    } else say(`cannot read layout ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * kucomms-studio validate: loads each layout (YAML, schema, meaning) and
 * generates its code in every language, printing every error; a file that
 * cannot be read is a usage error, and counts before layout errors.
 */
export async function validateCommand(files: string[]): Promise<number> {
  let unreadable = false;
  let invalid = false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      say(`cannot read layout ${file}: ${(err as Error).message}`);
      unreadable = true;
      continue;
    }
    try {
      const layout = loadLayoutText(text, file);
      generateC(layout, file);
      generateTs(layout, file);
      generateLua(layout, file);
      process.stdout.write(
        `${file}: valid (${layout.messages.length} message kind${layout.messages.length === 1 ? '' : 's'})\n`,
      );
    } catch (err) {
      if (err instanceof LayoutLoadError) process.stderr.write(`${err.message}\n`);
      else if (err instanceof GenerateError) process.stderr.write(`${file}:1:1: ${err.message}\n`);
      else throw err;
      invalid = true;
    }
  }
  return unreadable ? EXIT.USAGE : invalid ? EXIT.LAYOUT : EXIT.OK;
}

interface GenOptions {
  output?: string;
  linktype: number;
}

export async function genCommand(language: string, layoutFile: string, o: GenOptions): Promise<number> {
  const layout = loadLayoutOrReport(layoutFile);
  if (!layout) return EXIT.LAYOUT;
  let text: string;
  try {
    text =
      language === 'c'
        ? generateC(layout, layoutFile)
        : language === 'ts'
          ? generateTs(layout, layoutFile)
          : generateLua(layout, layoutFile, { linktype: o.linktype });
  } catch (err) {
    if (!(err instanceof GenerateError)) throw err;
    say(`${layoutFile}: ${err.message}`);
    return EXIT.LAYOUT;
  }
  if (o.output === undefined) process.stdout.write(text);
  else {
    refuseOverwritingInput(layoutFile, o.output);
    writeFileSync(o.output, text);
  }
  return EXIT.OK;
}

/** A capture file (native or pcapng) as a stream of records, or undefined if @arg is not a file. */
export async function openRecords(
  arg: string,
  onProblem: (p: CaptureProblem) => void,
): Promise<AsyncIterable<CaptureRecord> | undefined> {
  let head: Buffer;
  try {
    const fh = await open(arg, 'r');
    try {
      head = Buffer.alloc(16);
      await fh.read(head, 0, 16, 0);
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  if (isCaptureHeader(head)) return readCapture(arg, { onProblem });
  if (head.readUInt32LE(0) === 0x0a0d0d0a) return importPcapng(arg, onProblem);
  throw new Error(`${arg} is neither a kucomms capture (.kucap) nor a pcapng file`);
}

function treeLines(nodes: FieldNode[], depth: number, out: string[]): string[] {
  for (const n of nodes) {
    const name = n.alias ? `${n.name} (${n.alias})` : n.name;
    const where = `@${n.offset}+${n.size}`;
    const value = n.display !== undefined ? ` = ${n.display}` : '';
    out.push(`${'  '.repeat(depth)}${name}${value}  ${where}${n.volatile ? ' volatile' : ''}`);
    if (n.children) treeLines(n.children, depth + 1, out);
  }
  return out;
}

function printDecoded(d: Decoded, json: boolean, m?: CaptureRecord, index?: number): void {
  if (json) {
    const o: Record<string, unknown> = {};
    if (m) Object.assign(o, { index, target: m.target, direction: m.direction, timestampNs: m.timestampNs.toString() });
    Object.assign(o, {
      kind: d.kind ?? null,
      header: valueToJson({ ...d.header }),
      data: valueToJson(d.data),
      error: d.error ?? null,
    });
    process.stdout.write(`${JSON.stringify(o)}\n`);
    return;
  }
  const title = m ? `#${index} ${m.target} ${formatMessage(m as Message).split(' data=')[0]}` : 'message';
  process.stdout.write(`${title}: ${d.kind ?? '(no kind)'}\n`);
  process.stdout.write(`${treeLines(d.tree, 1, []).join('\n')}\n`);
  if (d.error) process.stdout.write(`  error: ${d.error.message}\n`);
}

interface DecodeOptions {
  json: boolean;
  target?: string;
  direction?: 'rx' | 'tx';
}

export async function decodeCommand(layoutFile: string, input: string, o: DecodeOptions): Promise<number> {
  const layout = loadLayoutOrReport(layoutFile);
  if (!layout) return EXIT.LAYOUT;
  let problems = 0;
  let records: AsyncIterable<CaptureRecord> | undefined;
  try {
    records = await openRecords(input, (p) => {
      problems++;
      say(`${input}: ${p.message}`);
    });
  } catch (err) {
    say((err as Error).message);
    return EXIT.USAGE;
  }
  if (!records) {
    const bytes = parseHexBytes(input);
    if (typeof bytes === 'string' || bytes.length === 0) {
      say(`"${input}" is neither a capture file nor hex bytes of a message (32-byte header, then data)`);
      return EXIT.USAGE;
    }
    const d = decodeMessage(layout, bytes);
    printDecoded(d, o.json);
    return d.error ? EXIT.DIFFERENT : EXIT.OK;
  }
  let index = 0;
  let malformed = 0;
  const targets = new Set<string>();
  for await (const r of records) {
    index++;
    targets.add(r.target);
    if (o.target !== undefined && r.target !== o.target) continue;
    if (o.direction !== undefined && r.direction !== o.direction) continue;
    const d = decodeMessage(layout, messageBytes(r));
    if (d.error) malformed++;
    printDecoded(d, o.json, r, index);
  }
  if (malformed > 0) say(`${malformed} message${malformed === 1 ? '' : 's'} did not fit ${layoutFile}`);
  if (o.target !== undefined && !targets.has(o.target)) {
    say(
      `--target ${o.target}: ${input} holds no message of that target${targets.size ? `; its targets: ${[...targets].join(', ')}` : ' (it holds no message)'}`,
    );
    return EXIT.USAGE;
  }
  return malformed > 0 || problems > 0 ? EXIT.DIFFERENT : EXIT.OK;
}
