/**
 * `bnviz run`'s progress on a terminal: one bar with percent, groups, elapsed
 * time, rate and an ETA once one can be estimated (after the first group),
 * and each failed group named above the bar as it fails.
 */
import type { GroupResult } from '../group/group-task.js';

export interface ProgressState {
  finished: number;
  total: number;
  failed: number;
  elapsedMs: number;
}

/** The text beside the bar: "40% 2/5 groups | 12s | 0.2 groups/s | ETA 18s | 1 failed". */
export function progressText({ finished, total, failed, elapsedMs }: ProgressState): string {
  const percent = total ? Math.floor((finished / total) * 100) : 100;
  const seconds = elapsedMs / 1000;
  const parts = [`${percent}% ${finished}/${total} groups`, duration(seconds)];
  // No estimate before a group has finished: "ETA 0s" on the first frame would be a guess.
  if (finished > 0 && seconds > 0) {
    const rate = finished / seconds;
    parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(rate >= 1 ? 1 : 2)} groups/s`);
    if (finished < total) parts.push(`ETA ${duration((total - finished) / rate)}`);
  }
  if (failed) parts.push(`${failed} failed`);
  return parts.join(' | ');
}

/** "45s", "3m 05s", "2h 03m". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * One line for a failed group, as printed when it fails and in the summary;
 * with `full`, the reason's whole text (libvips' every line) on the lines below.
 */
export function failedLine(result: Pick<GroupResult, 'groupId' | 'files' | 'error'>, { full = false }: { full?: boolean } = {}): string {
  return `failed ${result.groupId} (${result.files.join(', ')}): ${result.error?.message ?? 'unknown reason'}${full ? detailLines(result.error) : ''}`;
}

/** A reason's whole text (libvips' every line), indented on the lines below its one-line message; empty when it has no more. */
export function detailLines(error: GroupResult['error']): string {
  return error?.detail && error.detail !== error.message ? `\n${error.detail.split('\n').map((l) => `    ${l}`).join('\n')}` : '';
}

/**
 * A line cut into lines of at most `width` characters, at spaces where it
 * can, the later ones indented by two: the bar turns the terminal's own
 * wrapping off (cli-progress), so a longer line would lose its end.
 */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  for (let room = Math.max(width, 10); rest.length > room; room = Math.max(width, 10) - 2) {
    const space = rest.lastIndexOf(' ', room);
    const cut = space > room / 2 ? space : room;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines.map((l, i) => (i ? `  ${l}` : l));
}

export interface RunProgress {
  start(total: number): void;
  group(result: GroupResult, finished: number): void;
  stop(): void;
}

/**
 * The bar on `stream` (a terminal); cli-progress is loaded here, when a run on
 * a terminal starts. Each failed group is named above it, and with `line`
 * every group, as `line` words it.
 */
export async function terminalProgress(stream: NodeJS.WriteStream, { line, full = false }: { line?: (result: GroupResult, finished: number) => string; full?: boolean } = {}): Promise<RunProgress> {
  const { MultiBar } = await import('cli-progress');
  const t0 = Date.now();
  let failed = 0;
  const multi = new MultiBar({
    stream, hideCursor: true, clearOnComplete: false, barsize: 24,
    format: (options, params) => {
      const filled = Math.round((params.total ? params.value / params.total : 1) * (options.barsize ?? 24));
      return `${'█'.repeat(filled)}${'░'.repeat((options.barsize ?? 24) - filled)} ${progressText({ finished: params.value, total: params.total, failed, elapsedMs: Date.now() - t0 })}`;
    },
  });
  let bar: ReturnType<typeof multi.create> | undefined;
  return {
    start(total) {
      bar = multi.create(total, 0);
    },
    group(result, finished) {
      if (result.status === 'failed') failed++;
      const text = line ? line(result, finished) : result.status === 'failed' ? failedLine(result, { full }) : undefined;
      for (const l of text?.split('\n').flatMap((t) => wrapText(t, (stream.columns || 80) - 1)) ?? []) multi.log(`${l}\n`);
      bar?.update(finished);
    },
    stop() {
      // cli-progress writes its log lines at its next redraw, which stop() does not make
      if (bar) multi.update();
      multi.stop();
    },
  };
}
