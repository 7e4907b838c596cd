// The Studio's captures calls (electron/shared/api/captures-api.ts).
import type { captureCalls } from '../../../shared/api/captures-api.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

export class CapturesArea implements StudioArea<typeof captureCalls> {
  readonly handlers: AreaHandlers<typeof captureCalls>;

  constructor(readonly ctx: StudioContext) {
    this.handlers = {};
  }

  async close(): Promise<void> {}
}
