// happy-dom lays nothing out: every element is 0 px high, so a virtual list
// would draw no rows. This gives the lists' scrollers (VirtualRows) a height,
// as a window would, for the tests that need rows drawn.
const own = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');

/** Until the returned function is called, every virtual list's scroller is @px high. */
export function giveListsHeight(px: number): () => void {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement): number {
      return this.classList.contains('virtual-rows') ? px : ((own?.get?.call(this) as number | undefined) ?? 0);
    },
  });
  return () => {
    if (own) Object.defineProperty(HTMLElement.prototype, 'clientHeight', own);
    else delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
  };
}
