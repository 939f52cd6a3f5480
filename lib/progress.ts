/**
 * The CLI's progress lines, drawn on stderr only when it is a terminal (piped output and --json stay clean):
 * a bar for runs of known length (val, bench: items done, items per second, time left) and a line for videos and
 * live sources (frames done of the total when known, fps, ETA).
 */

export interface ProgressBar {
  update(done: number, total: number, elapsedMs: number): void;
  /** Clears the line. */
  end(): void;
}

const WIDTH = 30;

/** Seconds as `42s`, `3m07s`, `1h02m`; `?` when unknown. */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The bar's text for a state (exported for tests). */
export function renderProgress(label: string, done: number, total: number, elapsedMs: number, unit = 'img'): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * WIDTH);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? (total - done) / rate : Infinity;
  const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
  return `${label} ${bar} ${done}/${total} ${Math.round(fraction * 100)}% · ${rate.toFixed(1)} ${unit}/s · ETA ${done >= total ? '0s' : duration(eta)}`;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr, unit = 'img'): ProgressBar {
  if (!stream.isTTY) return { update() {}, end() {} };
  let last = 0;
  return {
    update(done, total, elapsedMs) {
      const now = Date.now();
      if (done < total && now - last < 100) return; // redraw at most 10 times a second
      last = now;
      const text = renderProgress(label, done, total, elapsedMs, unit);
      stream.write(`\r${text.slice(0, Math.max(20, (stream.columns ?? 100) - 1))}\x1b[K`);
    },
    end() {
      stream.write('\r\x1b[K');
    },
  };
}

export interface ProgressState {
  done: number;
  /** Frames to process in all; 0 or less when unknown (live sources, containers that do not say). */
  total: number;
  elapsedMs: number;
}

/** A video's line, e.g. `clip.mp4 [#######-------------]  37/150  24.7%  8.1 fps  ETA 14s`. */
export function progressLine(name: string, p: ProgressState, width = 20): string {
  const fps = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  if (p.total <= 0) return `${name}  ${p.done} frames  ${fps.toFixed(1)} fps  ${duration(p.elapsedMs / 1000)}`;
  const ratio = Math.min(1, p.done / p.total);
  const filled = Math.round(ratio * width);
  const eta = fps > 0 ? (p.total - p.done) / fps : Infinity;
  return `${name} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}  ${(ratio * 100).toFixed(1)}%  ${fps.toFixed(1)} fps  ETA ${duration(eta)}`;
}

/** Frames a video will give: its frame count, strided, capped by maxFrames (0 = no cap); 0 when unknown. */
export function framesToProcess(frameCount: number | undefined, vidStride: number, maxFrames: number): number {
  if (!frameCount || frameCount <= 0) return 0;
  const strided = Math.ceil(frameCount / Math.max(1, vidStride));
  return maxFrames > 0 ? Math.min(strided, maxFrames) : strided;
}
