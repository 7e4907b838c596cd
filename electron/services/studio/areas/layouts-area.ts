// The Studio's layouts calls (electron/shared/api/layouts-api.ts).
import type { layoutCalls } from '../../../shared/api/layouts-api.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

export class LayoutsArea implements StudioArea<typeof layoutCalls> {
  readonly handlers: AreaHandlers<typeof layoutCalls>;

  constructor(readonly ctx: StudioContext) {
    this.handlers = {};
  }

  async close(): Promise<void> {}
}
