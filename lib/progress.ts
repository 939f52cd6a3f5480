/**
 * A one-line progress bar for long CLI runs (val, bench): items done, items per second, time left. Drawn on stderr
 * only when stderr is a terminal, so that piped output and --json stay clean; elsewhere it does nothing.
 */

export interface ProgressBar {
  update(done: number, total: number, elapsedMs: number): void;
  /** Clears the line. */
  end(): void;
}

const WIDTH = 30;

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.ceil(s - 60 * m)).padStart(2, '0')}s`;
}

/** The bar's text for a state (exported for tests). */
export function renderProgress(label: string, done: number, total: number, elapsedMs: number, unit = 'img'): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * WIDTH);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? (total - done) / rate : Infinity;
  const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
  return `${label} ${bar} ${done}/${total} ${Math.round(fraction * 100)}% · ${rate.toFixed(1)} ${unit}/s · ETA ${done >= total ? '0s' : seconds(eta)}`;
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
