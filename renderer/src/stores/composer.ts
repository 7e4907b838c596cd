// The composer: a message built from a layout's kind (a generated form) or
// raw (header fields and hex), its encoded bytes as the backend makes them,
// sending it once, N times or periodically, and named collections.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { Collection, CollectionMessage, EncodedJson, LayoutSummary } from '../../../electron/shared/studio-api.ts';
import { base64ToBytes, bytesToBase64 } from '../../../electron/shared/message.ts';
import { defaultStruct, plainCopy, type FormStruct } from '../lib/form-values.ts';
import { HEADER_BYTES, hexText, parseHexText } from '../lib/hex-dump.ts';
import { usePersisted } from '../lib/persisted.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';
import { useTargetsStore } from './targets.ts';

export type ComposerMode = 'layout' | 'raw';
type Header = CollectionMessage['header'];
type Body = CollectionMessage['body'];

/** The topic of a failed send's notice: the next send that works settles it. */
const SEND_TOPIC = 'composer send';

export const useComposerStore = defineStore('composer', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();

  const protocols = ref<LayoutSummary[]>([]);
  const mode = ref<ComposerMode>('layout');
  // The choices of target, layout and kind are kept across restarts.
  const protocol = usePersisted('composer.protocol', '');
  const kind = usePersisted('composer.kind', '');
  const header = ref<Header>({ type: '0', id: '0', userValue: '0' });
  const fields = ref<FormStruct>({});
  const rawHex = ref('');
  /** The field being edited (its path), highlighted in the hex view. */
  const focused = ref<string>();
  const preview = ref<EncodedJson>();
  const previewError = ref('');
  const target = usePersisted('composer.target', '');
  const count = ref(1);
  const periodMs = ref(1000);
  const periodic = ref<string>();
  const sending = ref(false);
  const lastSent = ref('');
  const collections = ref<Collection[]>([]);

  const layout = computed(() => protocols.value.find((p) => p.protocol === protocol.value));
  const kindSpec = computed(() => layout.value?.kinds.find((k) => k.name === kind.value));
  /** What is wrong with the raw hex, and where (0-based character), for the line under the box. */
  const rawError = computed(() => {
    if (mode.value !== 'raw') return undefined;
    const parsed = parseHexText(rawHex.value);
    return 'error' in parsed ? parsed : undefined;
  });
  /** Header fields whose value is not the one the chosen kind is selected by (the message would decode as another). */
  const kindMismatch = computed(() => {
    const spec = mode.value === 'layout' ? kindSpec.value : undefined;
    if (!spec) return [];
    const apiKey = { type: 'type', id: 'id', user_value: 'userValue' } as const;
    return (Object.keys(apiKey) as Array<keyof typeof apiKey>).flatMap((key) => {
      const needed = spec.when[key];
      const value = header.value[apiKey[key]];
      if (needed === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(value.trim())) return [];
      return BigInt(value.trim()) === BigInt(needed) ? [] : [{ field: key, value: value.trim(), needed }];
    });
  });

  /** The message body as the API takes it; throws saying what is wrong with the form. */
  function body(): Body {
    if (mode.value === 'raw') {
      const parsed = parseHexText(rawHex.value);
      if ('error' in parsed) throw new Error(`the data, at character ${parsed.at + 1}: ${parsed.error}`);
      return { format: 'raw', data: bytesToBase64(parsed.bytes) };
    }
    if (!layout.value || !kindSpec.value) throw new Error('choose a protocol and a message kind, or raw mode');
    return {
      format: 'layout',
      protocol: protocol.value,
      kind: kind.value,
      fields: plainCopy(fields.value) as Record<string, unknown>,
    };
  }

  let watchingLayouts = false;
  async function load(): Promise<void> {
    // Layouts added, fixed or broken in the workspace (here or on disk) change the protocols offered.
    if (!watchingLayouts) {
      watchingLayouts = true;
      conn.api().on('workspaceChanged', (e) => {
        if (e.area === 'layouts') void refreshProtocols();
        // collections.json changed on disk (a git pull, another editor, a workspace switch).
        if (e.area === 'collections') void refreshCollections();
      });
    }
    try {
      [protocols.value, collections.value] = await Promise.all([
        conn.api().listProtocols({}),
        conn.api().listCollections({}),
      ]);
      // A kept choice stays while its layout and kind exist; its form starts afresh.
      if (layout.value) selectKind(kindSpec.value ? kind.value : (layout.value.kinds[0]?.name ?? ''));
      else if (protocols.value[0]) selectProtocol(protocols.value[0].protocol);
    } catch (err) {
      notices.report('Loading protocols and collections', err);
    }
  }

  /** The protocols again (a layout was saved or changed); the chosen one's kind is kept while it still exists. */
  async function refreshProtocols(): Promise<void> {
    try {
      protocols.value = await conn.api().listProtocols({});
      if (protocol.value && !kindSpec.value)
        selectProtocol(layout.value ? protocol.value : (protocols.value[0]?.protocol ?? ''));
    } catch (err) {
      notices.report('Loading protocols', err);
    }
  }

  async function refreshCollections(): Promise<void> {
    try {
      collections.value = await conn.api().listCollections({});
    } catch (err) {
      notices.report('Loading collections', err);
    }
  }

  /** Raw mode, the data of the message composed so far in the hex box (the header fields stay). */
  function useRaw(): void {
    if (mode.value === 'raw') return;
    if (preview.value) rawHex.value = hexText(base64ToBytes(preview.value.bytes).subarray(HEADER_BYTES));
    mode.value = 'raw';
  }

  // The layout of the target chosen (or given to it in Targets) is the one to compose with.
  const targets = useTargetsStore();
  watch(
    () => targets.targets.find((t) => t.target === target.value)?.protocol,
    (own) => {
      if (own && own !== protocol.value && mode.value === 'layout' && protocols.value.some((p) => p.protocol === own))
        selectProtocol(own);
    },
  );

  function selectProtocol(name: string): void {
    protocol.value = name;
    selectKind(layout.value?.kinds[0]?.name ?? '');
  }

  /** Starts the form of @name afresh, with the header values that select it. */
  function selectKind(name: string): void {
    kind.value = name;
    const spec = kindSpec.value;
    fields.value = defaultStruct(spec?.fields ?? []);
    if (spec)
      header.value = {
        ...header.value,
        type: spec.when.type ?? header.value.type,
        id: spec.when.id ?? header.value.id,
        userValue: spec.when.user_value ?? header.value.userValue,
      };
    focused.value = undefined;
  }

  let previewSeq = 0;
  async function refreshPreview(): Promise<void> {
    const seq = ++previewSeq;
    try {
      const result = await conn.api().encode({ header: header.value, body: body() });
      if (seq !== previewSeq) return;
      preview.value = result;
      previewError.value = '';
    } catch (err) {
      if (seq !== previewSeq) return;
      previewError.value = (err as Error).message;
    }
  }

  // The hex view follows every edit (each answer replaces the one before).
  watch([mode, protocol, kind, header, fields, rawHex], () => void refreshPreview(), { deep: true });

  async function send(copies = count.value): Promise<void> {
    sending.value = true;
    try {
      const { sent } = await conn
        .api()
        .send({ target: target.value, header: header.value, body: body(), count: copies });
      lastSent.value = `sent ${sent} to ${target.value}`;
      notices.settle(SEND_TOPIC);
    } catch (err) {
      notices.report(`Sending to ${target.value || '(no target)'}`, err, SEND_TOPIC);
    } finally {
      sending.value = false;
    }
  }

  async function startPeriodic(): Promise<void> {
    try {
      const r = await conn
        .api()
        .startPeriodic({ target: target.value, header: header.value, body: body(), periodMs: periodMs.value });
      periodic.value = r.periodic;
      lastSent.value = `sending to ${target.value} every ${periodMs.value} ms`;
      notices.settle(SEND_TOPIC);
    } catch (err) {
      notices.report(`Sending periodically to ${target.value || '(no target)'}`, err, SEND_TOPIC);
    }
  }

  async function stopPeriodic(): Promise<void> {
    if (!periodic.value) return;
    try {
      const { sent } = await conn.api().stopPeriodic({ periodic: periodic.value });
      lastSent.value = `periodic send stopped after ${sent}`;
    } catch (err) {
      notices.report('Stopping the periodic send', err);
    }
    periodic.value = undefined;
  }

  async function save(collection: string, name: string): Promise<void> {
    try {
      await conn.api().saveMessage({ collection, message: { name, header: header.value, body: body() } });
      collections.value = await conn.api().listCollections({});
      notices.push('info', `Saved "${name}" in collection "${collection}"`);
    } catch (err) {
      notices.report(`Saving "${name}"`, err);
    }
  }

  async function remove(collection: string, name: string): Promise<void> {
    try {
      collections.value = await conn.api().removeMessage({ collection, name });
    } catch (err) {
      notices.report(`Removing "${name}"`, err);
    }
  }

  /** Puts a saved message back into the composer. */
  function open(m: CollectionMessage): void {
    header.value = { ...m.header };
    if (m.body.format === 'raw') {
      mode.value = 'raw';
      rawHex.value = hexText(base64ToBytes(m.body.data));
      return;
    }
    mode.value = 'layout';
    protocol.value = m.body.protocol;
    kind.value = m.body.kind ?? layout.value?.kinds[0]?.name ?? '';
    fields.value = plainCopy(m.body.fields) as FormStruct;
  }

  async function resend(m: CollectionMessage): Promise<void> {
    try {
      const { sent } = await conn.api().send({ target: target.value, header: m.header, body: m.body, count: 1 });
      lastSent.value = `sent "${m.name}" (${sent}) to ${target.value}`;
      notices.settle(SEND_TOPIC);
    } catch (err) {
      notices.report(`Sending "${m.name}" to ${target.value || '(no target)'}`, err, SEND_TOPIC);
    }
  }

  return {
    protocols,
    mode,
    protocol,
    kind,
    header,
    fields,
    rawHex,
    focused,
    preview,
    previewError,
    target,
    count,
    periodMs,
    periodic,
    sending,
    lastSent,
    collections,
    layout,
    kindSpec,
    rawError,
    kindMismatch,
    load,
    refreshProtocols,
    useRaw,
    selectProtocol,
    selectKind,
    refreshPreview,
    send,
    startPeriodic,
    stopPeriodic,
    save,
    remove,
    open,
    resend,
  };
});
