// The Studio's replay calls (electron/shared/api/replay-api.ts).
import type { replayCalls } from '../../../shared/api/replay-api.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

export class ReplayArea implements StudioArea<typeof replayCalls> {
  readonly handlers: AreaHandlers<typeof replayCalls>;

  constructor(readonly ctx: StudioContext) {
    this.handlers = {};
  }

  async close(): Promise<void> {}
}
