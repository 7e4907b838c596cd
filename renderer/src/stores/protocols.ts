// The Protocols view: the list of layouts, the one open in the editor (its
// text, the document the form edits, what the backend says about it: every
// error, the byte preview of a kind, the generated code, what the edit
// breaks against the saved file), saving and creating layouts.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import type { Document } from 'yaml';
import type {
  CodeLanguage,
  LayoutCheck,
  LayoutFileRef,
  LayoutFileView,
} from '../../../electron/shared/api/layouts-api.ts';
import type { EncodedJson } from '../../../electron/shared/studio-api.ts';
import { parseLayoutYaml, readModel, type LayoutModel, type YamlProblem } from '../lib/layout-model.ts';
import { usePersisted } from '../lib/persisted.ts';
import { printEdit } from '../lib/yaml-splice.ts';
import { useComposerStore } from './composer.ts';
import { useConnectionStore } from './connection.ts';
import { useDiskChanges } from '../lib/disk-changes.ts';
import { useNoticesStore } from './notices.ts';

/** How long typing pauses before the backend checks the text again. */
export const CHECK_DELAY_MS = 250;

export const sameFile = (a: LayoutFileRef | undefined, b: LayoutFileRef | undefined): boolean =>
  a?.source === b?.source && a?.name === b?.name;

export const useProtocolsStore = defineStore('protocols', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();

  const files = ref<LayoutFileView[]>([]);
  /** The open file, kept across restarts. */
  const open = usePersisted<LayoutFileRef | null>('protocols.open', null);
  const readOnly = ref(false);
  const text = ref('');
  const savedText = ref('');
  /** The document the form edits: the last text that parsed. Not reactive itself; `model` is its reading. */
  const doc = shallowRef<Document>();
  const model = ref<LayoutModel>();
  /** Why the YAML text does not parse right now (the form then shows the last state that did). */
  const yamlProblem = ref<YamlProblem>();
  const check = ref<LayoutCheck>();
  const previewKind = usePersisted('protocols.previewKind', '');
  const preview = ref<EncodedJson>();
  const previewError = ref('');
  const codeLanguage = usePersisted<CodeLanguage>('protocols.codeLanguage', 'c');
  const code = ref<{ code: string; fileName: string }>();
  const codeError = ref('');
  /** Save was asked with compatibility warnings: shown until confirmed or cancelled. */
  const confirmingSave = ref(false);

  const dirty = computed(() => open.value !== null && text.value !== savedText.value);
  const { changedOnDisk, fileChanged } = useDiskChanges({ savedText, text, dirty }, notices);
  const openView = computed(() => files.value.find((f) => sameFile(f, open.value ?? undefined)));
  const kinds = computed(() =>
    (model.value?.messages ?? []).map((m) => m.name).filter((n): n is string => typeof n === 'string'),
  );

  async function refreshFiles(): Promise<void> {
    try {
      files.value = await conn.api().listLayouts({});
    } catch (err) {
      notices.report('Listing the layouts', err);
    }
  }

  /** The editor's text changed (typed, or loaded): the form follows when it parses. */
  function setText(next: string): void {
    text.value = next;
    const parsed = parseLayoutYaml(next);
    if ('problem' in parsed) {
      yamlProblem.value = parsed.problem;
      return;
    }
    yamlProblem.value = undefined;
    doc.value = markRaw(parsed.doc);
    model.value = readModel(parsed.doc);
  }

  /** A form edit: applied to the document; the new text is the old one with only the edited parts rewritten. */
  function edit(change: (d: Document) => void): void {
    if (!doc.value || readOnly.value) return;
    const before = text.value;
    change(doc.value);
    setText(printEdit(before, doc.value));
  }

  function loaded(file: LayoutFileRef, body: string, isReadOnly: boolean): void {
    open.value = { source: file.source, name: file.name };
    readOnly.value = isReadOnly;
    savedText.value = body;
    changedOnDisk.value = false;
    confirmingSave.value = false;
    doc.value = undefined;
    model.value = undefined;
    setText(body);
    if (!kinds.value.includes(previewKind.value)) previewKind.value = kinds.value[0] ?? '';
  }

  async function openFile(file: LayoutFileRef): Promise<void> {
    try {
      const r = await conn.api().readLayout({ source: file.source, name: file.name });
      loaded(file, r.text, r.readOnly);
    } catch (err) {
      notices.report(`Opening ${file.name}`, err);
    }
  }

  async function createLayout(name: string, from?: LayoutFileRef): Promise<boolean> {
    const fileName = /\.ya?ml$/.test(name) ? name : `${name}.yaml`;
    try {
      const r = await conn
        .api()
        .createLayout({ name: fileName, ...(from ? { from: { source: from.source, name: from.name } } : {}) });
      await refreshFiles();
      loaded(r.file, r.text, false);
      void useComposerStore().refreshProtocols();
      return true;
    } catch (err) {
      notices.report(`Creating layouts/${fileName}`, err);
      return false;
    }
  }

  /** Saves the open workspace layout; with compatibility warnings, only once confirmed. */
  async function save(confirmed = false): Promise<void> {
    const file = open.value;
    if (!file || readOnly.value) return;
    if (!confirmed && (check.value?.compatibility.length ?? 0) > 0) {
      confirmingSave.value = true;
      return;
    }
    confirmingSave.value = false;
    const body = text.value;
    try {
      const r = await conn.api().saveLayout({ name: file.name, text: body });
      savedText.value = body;
      changedOnDisk.value = false;
      notices.settle(`Saving layouts/${file.name}`);
      if (r.warning) notices.push('warning', r.warning);
      await refreshFiles();
      // The composer lists layouts in use: this save may have added, fixed or broken one.
      void useComposerStore().refreshProtocols();
      void runChecks();
    } catch (err) {
      notices.report(`Saving layouts/${file.name}`, err);
    }
  }

  let checkSeq = 0;
  /** Asks the backend about the current text: errors and compatibility, preview, code. */
  async function runChecks(): Promise<void> {
    const seq = ++checkSeq;
    const body = text.value;
    const file = open.value ?? undefined;
    const ref = file ? { source: file.source, name: file.name } : undefined;
    try {
      const result = await conn.api().checkLayout({ text: body, ...(ref ? { file: ref } : {}) });
      if (seq !== checkSeq) return;
      check.value = result;
    } catch (err) {
      if (seq === checkSeq) notices.report('Checking the layout', err);
      return;
    }
    // With errors, the preview and the code keep the last valid state (the view marks them stale).
    if (check.value.errors.length > 0) return;
    await Promise.all([refreshPreview(seq), refreshCode(seq)]);
  }

  async function refreshPreview(seq = checkSeq): Promise<void> {
    if (!kinds.value.includes(previewKind.value)) previewKind.value = kinds.value[0] ?? '';
    if (!previewKind.value) return;
    try {
      const r = await conn.api().previewLayout({ text: text.value, kind: previewKind.value });
      if (seq !== checkSeq) return;
      preview.value = r;
      previewError.value = '';
    } catch (err) {
      if (seq === checkSeq) previewError.value = (err as Error).message;
    }
  }

  async function refreshCode(seq = checkSeq): Promise<void> {
    const file = open.value;
    try {
      const r = await conn.api().generateCode({
        text: text.value,
        language: codeLanguage.value,
        ...(file ? { file: { source: file.source, name: file.name } } : {}),
      });
      if (seq !== checkSeq) return;
      code.value = r;
      codeError.value = '';
    } catch (err) {
      if (seq === checkSeq) codeError.value = (err as Error).message;
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(text, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void runChecks(), CHECK_DELAY_MS);
  });
  watch(previewKind, () => void refreshPreview());
  watch(codeLanguage, () => void refreshCode());

  /** Reloads the open file from disk, dropping unsaved edits. */
  async function revert(): Promise<void> {
    if (open.value) await openFile(open.value);
  }

  /** Subscribes to workspace changes; returns the unsubscribe. */
  function subscribe(): () => void {
    return conn.api().on('workspaceChanged', (e) => {
      if (e.area !== 'layouts') return;
      void refreshFiles();
      const file = open.value;
      if (!file || file.source !== 'workspace' || file.name !== e.name) return;
      void fileChanged(
        `layouts/${e.name}`,
        e.change,
        () => conn.api().readLayout({ source: 'workspace', name: e.name }),
        (r) => loaded(file, r.text, r.readOnly),
      );
    });
  }

  /** Loads the list and reopens the file that was open. */
  async function start(): Promise<void> {
    await refreshFiles();
    const kept = open.value;
    if (kept && files.value.some((f) => sameFile(f, kept))) await openFile(kept);
    else if (files.value[0]) await openFile(files.value[0]);
  }

  return {
    files,
    open,
    openView,
    readOnly,
    text,
    savedText,
    model,
    yamlProblem,
    check,
    previewKind,
    preview,
    previewError,
    codeLanguage,
    code,
    codeError,
    changedOnDisk,
    confirmingSave,
    dirty,
    kinds,
    refreshFiles,
    setText,
    edit,
    openFile,
    createLayout,
    save,
    runChecks,
    revert,
    subscribe,
    start,
  };
});
