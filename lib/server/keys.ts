/**
 * API keys: read from a list or a file, kept only as SHA-256 digests, compared in constant time.
 * The plain keys are never stored past parseKeys(); the rate limiter keys its counters by the digest.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { YoloError, ErrorCodes } from '../errors.js';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The keys a spec names: "k1,k2" (comma-separated), "@/path/file" (one per line; blank lines and lines starting
 * with '#' skipped), or an array of keys.
 */
export function parseKeys(spec: string | readonly string[]): string[] {
  let keys: string[];
  if (Array.isArray(spec)) keys = spec.map(String);
  else if (typeof spec === 'string' && spec.startsWith('@')) {
    const file = spec.slice(1);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `apiKeys: cannot read the key file ${file}: ${(e as Error).message}`, 'apiKeys');
    }
    keys = text.split(/\r?\n/).filter((l) => !l.trim().startsWith('#'));
  } else if (typeof spec === 'string') keys = spec.split(',');
  else throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `apiKeys must be "k1,k2", "@/path/to/file" or an array of keys; received ${typeof spec}`, 'apiKeys');
  return keys.map((k) => k.trim()).filter((k) => k.length > 0);
}

export class KeyStore {
  readonly #digests: Buffer[];

  constructor(keys: readonly string[]) {
    const seen = new Set<string>();
    this.#digests = [];
    for (const k of keys) {
      const d = sha256(k);
      const hex = d.toString('hex');
      if (!seen.has(hex)) this.#digests.push(d);
      seen.add(hex);
    }
  }

  get size(): number {
    return this.#digests.length;
  }

  /**
   * The key's id (hex SHA-256) when it is one of ours, else undefined. Compares the digest against every stored
   * digest with timingSafeEqual, without stopping at a match, so the time does not depend on which key matched.
   */
  check(key: unknown): string | undefined {
    if (typeof key !== 'string' || key.length === 0 || key.length > 4096) return undefined;
    const d = sha256(key);
    let found = false;
    for (const stored of this.#digests) found = timingSafeEqual(d, stored) || found;
    return found ? d.toString('hex') : undefined;
  }
}
