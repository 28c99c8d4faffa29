/**
 * The pages of index.html's gallery: every drawn group of a run, PAGE_SIZE a
 * page in dataset order, each page a small script (`pages/000001.js`, ...)
 * that hands its groups to the gallery by calling `bnvizPage(n, data)`. A
 * script, not JSON: index.html opened from disk (file://) may load a script
 * beside it where fetch() of a local file is refused. Written as the groups
 * stream by, so a run of a million groups is never held at once.
 */
import { mainFigureOf, thumbnailOf } from './group-record.js';
import { THUMBNAIL } from './thumbnail.js';

/** Groups a page holds. */
export const PAGE_SIZE = 1000;
/** The folder, beside index.html, that holds the pages. */
export const PAGES_DIR = 'pages';
/** The function a page calls. */
export const PAGE_CALLBACK = 'bnvizPage';

/** `000001.js`: a page's file name in PAGES_DIR, numbered from 1. */
export function pageFileName(n: number): string {
  return `${String(n).padStart(6, '0')}.js`;
}

/** What the gallery shows of a drawn group. */
export interface GalleryEntry {
  groupId: string;
  files: string[];
  /** Largest unseen share of any image and channel. */
  maxUnseen: number;
  outputs: string[];
  /** The group's index in the run's dataset order. */
  order: number;
}

/** What a card shows of a group's outputs: the picture, the figure it opens, the links under it. */
export interface CardView {
  thumb?: string;
  main?: string;
  links: string[];
}

export function cardView(outputs: readonly string[]): CardView {
  const thumb = thumbnailOf(outputs);
  const main = mainFigureOf(outputs);
  return { ...(thumb ? { thumb } : {}), ...(main ? { main } : {}), links: outputs.filter((o) => o !== THUMBNAIL) };
}

/**
 * JSON that is safe inside a script, whatever its strings hold: `<`, `>` and
 * `&` (no `</script>` or `<!--` can close or bend a script element) and
 * U+2028/U+2029 (line terminators to older JavaScript) written as \u escapes,
 * which JSON and JavaScript read back as the same characters.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A page's script. Compact: the views (thumbnail, figure, links) its groups
 * have are listed once, and each group is `[groupId, maxUnseen, files, view,
 * order]`, maxUnseen to 6 significant digits.
 */
export function pageScript(n: number, entries: readonly GalleryEntry[]): string {
  const views: Array<[string | null, string | null, string[]]> = [];
  const viewIndex = new Map<string, number>();
  const groups = entries.map((e) => {
    const v = cardView(e.outputs);
    const row: [string | null, string | null, string[]] = [v.thumb ?? null, v.main ?? null, v.links];
    const key = JSON.stringify(row);
    let i = viewIndex.get(key);
    if (i === undefined) {
      viewIndex.set(key, (i = views.length));
      views.push(row);
    }
    return [e.groupId, Number.isFinite(e.maxUnseen) ? +e.maxUnseen.toPrecision(6) : 0, e.files, i, e.order];
  });
  return `${PAGE_CALLBACK}(${n},${scriptJson({ views, groups })});\n`;
}
