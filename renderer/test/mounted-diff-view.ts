// The replay diff mounted as the Replay view shows it (its shortcuts live,
// its list given a height), for the tests of its pair list and its detail.
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach } from 'vitest';
import type { StudioApi } from '../../electron/shared/studio-api.ts';
import DiffView from '../src/components/DiffView.vue';
import { setShortcutView } from '../src/lib/shortcuts.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useReplayStore } from '../src/stores/replay.ts';
import { giveListsHeight } from './list-viewport.ts';

/** Lets the API double's answers and the redraws they cause settle. */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 8; i++) await new Promise((r) => setTimeout(r, 0));
};

/**
 * Registers the setup and teardown of a test file whose tests mount the diff
 * with its list @listHeight px high; returns the mount, which attaches @api
 * (in the test's own Pinia) and loads the Replay store as the view does.
 */
export function diffViewMount(listHeight: number): (api: StudioApi) => Promise<VueWrapper> {
  let w: VueWrapper | undefined;
  let restoreHeight: () => void = () => {};
  beforeEach(() => {
    setShortcutView(() => 'replay');
    restoreHeight = giveListsHeight(listHeight);
  });
  afterEach(() => {
    w?.unmount();
    w = undefined;
    restoreHeight();
  });
  return async (api) => {
    await useConnectionStore().attach(api);
    w = mount(DiffView, { attachTo: document.body });
    await useReplayStore().load();
    await flush();
    return w;
  };
}
