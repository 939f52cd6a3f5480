/**
 * Fetches model weights into the models directory on a machine with internet: `<baseUrl>/<name>.onnx`, written to
 * a temporary file and renamed into place only when complete (and, when given, when its SHA-256 matches), so a
 * broken download never leaves a half file that later loads. Never called unless the caller opts in.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, YoloError } from './errors.js';

export interface DownloadOptions {
  /** Base URL the file name is appended to (default $YOLO_NATIVE_DOWNLOAD_URL). */
  baseUrl?: string;
  /** Expected SHA-256 (hex) of the file. */
  sha256?: string;
  /** Largest file accepted (default 1 GiB). */
  maxBytes?: number;
  /** Abort after this many milliseconds (default 10 minutes). */
  timeoutMs?: number;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function downloadModel(name: string, modelsDir: string, options: DownloadOptions = {}): Promise<string> {
  const baseUrl = options.baseUrl ?? process.env.YOLO_NATIVE_DOWNLOAD_URL;
  if (!baseUrl) {
    throw new YoloError(ErrorCodes.DOWNLOAD_FAILED, `cannot download '${name}': no download URL (set YOLO_NATIVE_DOWNLOAD_URL or pass baseUrl)`, 'model');
  }
  const file = name.endsWith('.onnx') ? name : `${name}.onnx`;
  if (!SAFE_NAME.test(file)) {
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `model name for download must be a plain file name ([A-Za-z0-9._-]); received ${JSON.stringify(name)}`, 'model');
  }
  const url = `${baseUrl.replace(/\/+$/, '')}/${file}`;
  const maxBytes = options.maxBytes ?? 1 << 30;
  mkdirSync(modelsDir, { recursive: true });
  const target = join(modelsDir, file);
  const partial = `${target}.${process.pid}.${Date.now()}.part`;
  const hash = createHash('sha256');
  let fd: number | undefined;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 600_000), redirect: 'follow' });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) throw new Error(`${declared} bytes is over the limit of ${maxBytes}`);
    fd = openSync(partial, 'wx', 0o644);
    let received = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.byteLength;
      if (received > maxBytes) throw new Error(`more than ${maxBytes} bytes`);
      hash.update(chunk);
      writeSync(fd, chunk);
    }
    closeSync(fd);
    fd = undefined;
    if (Number.isFinite(declared) && received !== declared) throw new Error(`truncated: ${received} of ${declared} bytes`);
    const digest = hash.digest('hex');
    if (options.sha256 && digest !== options.sha256.toLowerCase()) throw new Error(`SHA-256 ${digest} does not match the expected ${options.sha256}`);
    renameSync(partial, target);
    return target;
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(partial, { force: true });
    if (e instanceof YoloError) throw e;
    throw new YoloError(ErrorCodes.DOWNLOAD_FAILED, `cannot download '${file}' from ${url}: ${(e as Error).message}`, 'model');
  }
}
