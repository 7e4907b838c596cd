import { describe, expect, test } from 'vitest';
import {
  MAX_SPACER_PX,
  bottomTop,
  scrollTopFor,
  spacerHeight,
  topToShow,
  virtualTop,
  visibleRows,
} from '../src/lib/scaled-scroll.ts';

const small = { rows: 1000, rowHeight: 22, viewport: 440 };
const huge = { rows: 10_000_000, rowHeight: 22, viewport: 440 };

describe('scaled scrollbar', () => {
  test('a small table scrolls pixel for pixel', () => {
    expect(spacerHeight(small)).toBe(22_000);
    expect(virtualTop(small, 1234)).toBe(1234);
    expect(scrollTopFor(small, 1234)).toBe(1234);
  });

  test('ten million rows keep the spacer under the browser height cap', () => {
    expect(spacerHeight(huge)).toBe(MAX_SPACER_PX);
    expect(MAX_SPACER_PX).toBeLessThan(33_554_400);
  });

  test('the scrollbar at its end shows the last row fully, at ten million rows', () => {
    const end = virtualTop(huge, spacerHeight(huge) - huge.viewport);
    const v = visibleRows(huge, end);
    expect(v.first + v.count - 1).toBe(huge.rows - 1);
    // the last row's bottom is the viewport's bottom
    expect((huge.rows - 1 - v.first) * 22 + v.offset + 22).toBe(huge.viewport);
  });

  test('the scrollbar at its top shows row 0', () => {
    expect(visibleRows(huge, virtualTop(huge, 0))).toMatchObject({ first: 0, offset: 0 });
  });

  test('scroll positions and virtual positions round-trip', () => {
    for (const t of [0, 22, 1e6, 123_456_789, bottomTop(huge)])
      expect(virtualTop(huge, scrollTopFor(huge, t))).toBeCloseTo(t, 3);
  });

  test('the middle of the scrollbar is the middle of the rows', () => {
    const mid = visibleRows(huge, virtualTop(huge, (spacerHeight(huge) - huge.viewport) / 2));
    expect(Math.abs(mid.first - huge.rows / 2)).toBeLessThan(20);
  });

  test('visible rows cover the viewport with a partly shown row at each edge', () => {
    expect(visibleRows(small, 11)).toEqual({ first: 0, count: 21, offset: -11 });
    expect(visibleRows(small, 0)).toEqual({ first: 0, count: 20, offset: 0 });
    expect(visibleRows({ ...small, rows: 3 }, 0)).toEqual({ first: 0, count: 3, offset: 0 });
    expect(visibleRows({ ...small, rows: 0 }, 0).count).toBe(0);
  });

  test('bringing a row into view scrolls only as far as needed', () => {
    expect(topToShow(small, 220, 15)).toBe(220); // already visible
    expect(topToShow(small, 220, 5)).toBe(110); // above: to the top
    expect(topToShow(small, 220, 40)).toBe(41 * 22 - 440); // below: to the bottom
  });
});
