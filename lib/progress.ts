/** The CLI's progress line for videos on a terminal: frames done (of the total when known), fps, ETA. */

export interface ProgressState {
  done: number;
  /** Frames to process in all; 0 or less when unknown (live sources, containers that do not say). */
  total: number;
  elapsedMs: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One line, e.g. `clip.mp4 [#######-------------]  37/150  24.7%  8.1 fps  ETA 14s`. */
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
