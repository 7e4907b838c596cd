// The Studio API's layout calls: list the layouts (shipped and the
// workspace's), read, check, preview, generate code from, save and create
// them. The layout being edited travels as its YAML text, so every check
// answers about exactly what the person sees in the editor.
import { z } from 'zod';
import { LIMITS, limitMessage, utf8Bytes } from '../limits.ts';
import { call, type CallTable } from './call-spec.ts';
import type { EncodedJson, LayoutSummary } from './shared-types.ts';

/** Where a layout file lives: shipped with the Studio (read-only) or in the open workspace. */
export type LayoutSource = 'builtin' | 'workspace';

export interface LayoutFileRef {
  source: LayoutSource;
  name: string;
}

/** One problem of a layout, 1-based line and column in its text. */
export interface LayoutErrorJson {
  line: number;
  column: number;
  /** Where in the layout, e.g. messages[1].fields[0].size ('' for the file as a whole). */
  path: string;
  message: string;
}

export interface LayoutFileView {
  source: LayoutSource;
  /** The file name, e.g. echo.yaml. */
  name: string;
  readOnly: boolean;
  /** The protocol it defines, when the file loaded. */
  protocol?: string;
  /** Every problem of the file; such a layout is not used until they are fixed. */
  errors: LayoutErrorJson[];
}

/** What a change between two versions of a layout does (kucomms-studio diff-layout lists the same). */
export type LayoutChangeKind =
  | 'moved'
  | 'resized'
  | 'retyped'
  | 'removed'
  | 'added'
  | 'renamed'
  | 'kind-removed'
  | 'kind-added'
  | 'kind-renamed'
  | 'when-changed'
  | 'reordered'
  | 'endian'
  | 'value-removed'
  | 'value-added'
  | 'value-renamed';

/** A change that makes messages of the saved layout decode differently with the edited one. */
export interface CompatibilityWarning {
  /** The message kind; absent: the layout as a whole (its default byte order, a header enum). */
  kind?: string;
  /** The field's path in the kind's data (points[0].x, control.mode); absent: the kind itself. */
  field?: string;
  change: LayoutChangeKind;
  /** Offsets count from the message's first byte (header included), as the Studio shows them. */
  old?: { offset?: number; size?: number; type?: string; when?: string };
  new?: { offset?: number; size?: number; type?: string; when?: string };
  message: string;
}

export interface LayoutCheck {
  errors: LayoutErrorJson[];
  /** The layout as the composer sees it, when it has no errors. */
  summary?: LayoutSummary;
  /** Given a workspace file that exists and loads: what the edit breaks against it. */
  compatibility: CompatibilityWarning[];
}

export type CodeLanguage = 'c' | 'ts' | 'lua';

const layoutFile = z.string().min(1, 'expected a layout file name').max(128);
const layoutText = z
  .string()
  .refine((t) => utf8Bytes(t) <= LIMITS.layoutBytes, limitMessage('a layout', LIMITS.layoutBytes));
const source = z.enum(['builtin', 'workspace']);
/** The file a text is (a version of): names it in errors, and is not a clash with itself. */
const fileRef = z.object({ source, name: layoutFile }).strict();

export const layoutCalls = {
  listLayouts: call<LayoutFileView[]>()(
    z.object({}).strict(),
    "the shipped layouts (read-only) and the workspace's layouts/*.yaml, each with its errors",
  ),
  readLayout: call<{ text: string; readOnly: boolean }>()(
    z.object({ source, name: layoutFile }).strict(),
    'the text of a layout file',
  ),
  checkLayout: call<LayoutCheck>()(
    z.object({ text: layoutText, file: fileRef.optional() }).strict(),
    'every error of a layout text with line and column; its summary when valid; for a workspace `file`, what it breaks against the saved version',
  ),
  previewLayout: call<EncodedJson>()(
    z
      .object({
        text: layoutText,
        kind: z.string().min(1, 'expected a message kind'),
        /** Field values as the composer sends them; absent ones take their default. */
        fields: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    "the bytes and field tree of a sample message of a kind of the layout text (header: the kind's `when`)",
  ),
  generateCode: call<{ code: string; fileName: string }>()(
    z.object({ text: layoutText, language: z.enum(['c', 'ts', 'lua']), file: fileRef.optional() }).strict(),
    'the C header, TypeScript types or Wireshark Lua dissector of a layout text',
  ),
  saveLayout: call<{ file: LayoutFileView; warning?: string }>()(
    z.object({ name: layoutFile, text: layoutText }).strict(),
    'writes a layout into the workspace (even with errors: it is then not used until fixed)',
  ),
  createLayout: call<{ file: LayoutFileView; text: string }>()(
    z
      .object({
        name: layoutFile,
        /** Start from this shipped layout (its protocol renamed after the new file) instead of the template. */
        from: fileRef.optional(),
      })
      .strict(),
    'a new workspace layout from a small template (or a copy of another layout); refuses to overwrite',
  ),
} satisfies CallTable;
