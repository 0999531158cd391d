// Pagination arithmetic for the document list (1-based pages, as the API uses).

export const DEFAULT_PER_PAGE = 20;
export const MAX_PAGE = 1_000_000;
/** The longest title search the API takes (`q`). */
export const MAX_SEARCH = 100;

/** A `?page=` value as a page number: a positive integer, else 1. */
export function parsePage(value: string | null | undefined): number {
  if (value === null || value === undefined || !/^\d{1,7}$/.test(value.trim())) return 1;
  const page = Number(value.trim());
  return page >= 1 && page <= MAX_PAGE ? page : 1;
}

/** How many pages `total` items fill; at least 1, so an empty list still has page 1. */
export function pageCount(total: number, perPage: number): number {
  if (perPage < 1 || total <= 0) return 1;
  return Math.ceil(total / perPage);
}

export type PageItem = number | 'gap';

/**
 * The page links to show: always the first and last page, `around` pages either
 * side of the current one, and a gap where pages are left out. A gap never stands
 * for a single page (that page is shown instead).
 */
export function pageWindow(current: number, count: number, around = 1): PageItem[] {
  if (count <= 1) return [1];
  const page = Math.min(Math.max(current, 1), count);
  const shown = new Set<number>([1, count]);
  for (let p = page - around; p <= page + around; p++) if (p >= 1 && p <= count) shown.add(p);
  const sorted = [...shown].sort((a, b) => a - b);
  const items: PageItem[] = [];
  let previous = 0;
  for (const p of sorted) {
    if (p - previous === 2) items.push(p - 1);
    else if (p - previous > 2) items.push('gap');
    items.push(p);
    previous = p;
  }
  return items;
}

/**
 * "21–40 of 53", for the items actually on this page (Keto may hide some);
 * "21–40 of 53 matching" when the total counts a search's results, not the list.
 */
export function rangeLabel(page: number, perPage: number, total: number, onPage: number, matching = false): string {
  const of = `of ${Math.max(total, 0)}${matching ? ' matching' : ''}`;
  if (total <= 0 || onPage <= 0) return `0 ${of}`;
  const first = (page - 1) * perPage + 1;
  const last = first + onPage - 1;
  return first === last ? `${first} ${of}` : `${first}–${last} ${of}`;
}
