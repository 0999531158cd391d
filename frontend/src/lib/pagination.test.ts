import { describe, expect, it } from 'vitest';

import { pageCount, pageWindow, parsePage, rangeLabel } from './pagination';

describe('parsePage', () => {
  it('reads positive whole numbers', () => {
    expect(parsePage('1')).toBe(1);
    expect(parsePage('7')).toBe(7);
    expect(parsePage(' 12 ')).toBe(12);
  });

  it('falls back to page 1 for anything else', () => {
    for (const value of [null, undefined, '', '0', '-2', '2.5', 'abc', '1e3', '99999999', '0x10']) {
      expect(parsePage(value)).toBe(1);
    }
  });
});

describe('pageCount', () => {
  it('rounds up and never says zero pages', () => {
    expect(pageCount(0, 20)).toBe(1);
    expect(pageCount(1, 20)).toBe(1);
    expect(pageCount(20, 20)).toBe(1);
    expect(pageCount(21, 20)).toBe(2);
    expect(pageCount(95, 10)).toBe(10);
    expect(pageCount(5, 0)).toBe(1);
  });
});

describe('pageWindow', () => {
  it('shows every page when there are few', () => {
    expect(pageWindow(1, 1)).toEqual([1]);
    expect(pageWindow(2, 3)).toEqual([1, 2, 3]);
    expect(pageWindow(1, 4)).toEqual([1, 2, 3, 4]);
  });

  it('shows first, last and the neighbours of the current page, with gaps', () => {
    expect(pageWindow(1, 10)).toEqual([1, 2, 'gap', 10]);
    expect(pageWindow(5, 10)).toEqual([1, 'gap', 4, 5, 6, 'gap', 10]);
    expect(pageWindow(10, 10)).toEqual([1, 'gap', 9, 10]);
  });

  it('never hides a single page behind a gap', () => {
    expect(pageWindow(4, 10)).toEqual([1, 2, 3, 4, 5, 'gap', 10]);
    expect(pageWindow(7, 10)).toEqual([1, 'gap', 6, 7, 8, 9, 10]);
  });

  it('clamps a current page outside the range', () => {
    expect(pageWindow(50, 5)).toEqual([1, 'gap', 4, 5]);
    expect(pageWindow(0, 8)).toEqual([1, 2, 'gap', 8]);
  });
});

describe('rangeLabel', () => {
  it('counts the items actually on the page', () => {
    expect(rangeLabel(1, 20, 53, 20)).toBe('1–20 of 53');
    expect(rangeLabel(3, 20, 53, 13)).toBe('41–53 of 53');
    expect(rangeLabel(2, 20, 21, 1)).toBe('21 of 21');
    expect(rangeLabel(1, 20, 0, 0)).toBe('0 of 0');
    expect(rangeLabel(9, 20, 53, 0)).toBe('0 of 53');
  });

  it('says when the total counts a search', () => {
    expect(rangeLabel(1, 20, 53, 20, true)).toBe('1–20 of 53 matching');
    expect(rangeLabel(3, 20, 41, 1, true)).toBe('41 of 41 matching');
    expect(rangeLabel(1, 20, 0, 0, true)).toBe('0 of 0 matching');
  });
});
