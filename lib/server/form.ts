/**
 * The HUB contract's request form: multipart/form-data with `file` and the text fields `model`, `imgsz`, `conf`,
 * `iou`, read strictly (only those fields, each once, the file as a file part, nothing truncated) and narrowed to
 * the HUB Inference API's ranges (imgsz 32-1280, conf 0.01-1.0, iou 0.0-0.95). Form fields are text, so numbers
 * are parsed here (plain decimal numerals only); the library itself takes numbers. One field of our own, `plot`
 * (`true` / `false`, default false), asks for the annotated JPEG instead of the JSON; without it the answer is the
 * HUB JSON, unchanged.
 */
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, YoloError } from '../errors.js';
import { checkNumeral, type PredictOptions } from '../options.js';
import { HttpError, ServerErrorCodes } from './errors.js';

export const FORM_FIELDS = ['file', 'model', 'imgsz', 'conf', 'iou', 'plot'] as const;

/** The HUB Inference API's argument ranges: [min, max, integer]. */
export const HUB_RANGES = { imgsz: [32, 1280, true], conf: [0.01, 1.0, false], iou: [0.0, 0.95, false] } as const;

/** Largest text field (@fastify/multipart's fieldSize limit); a longer one is refused, never cut short. */
export const MAX_FIELD_BYTES = 64 * 1024;

export interface Form {
  file: Buffer;
  fields: Record<string, string>;
}

/** A client's value for a message: JSON-quoted, at most 100 characters of it. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
}

function isFrameworkError(e: unknown): boolean {
  return typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('FST_');
}

/** The request's Content-Length when it declares one (a chunked body does not). */
export function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * The file part's bytes, copied as they arrive into one buffer sized from the body's declared length (an upper bound
 * of the file's), so that an upload held in memory costs its own size once. (`part.toBuffer()` keeps every chunk and
 * then concatenates them: twice the upload at its peak, which the server's in-flight budget does not count.) A
 * chunked body, whose length is not declared, grows its buffer by doubling.
 */
async function readFilePart(part: MultipartFile, declared: number | undefined, maxBytes: number): Promise<Buffer> {
  let buffer = Buffer.allocUnsafe(Math.max(1, Math.min(declared ?? 1024 * 1024, maxBytes)));
  let size = 0;
  for await (const chunk of part.file as AsyncIterable<Buffer>) {
    if (part.file.truncated) continue; // over fileSize: read to the end of the part (busboy discards it), then refuse
    if (size + chunk.length > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(size + chunk.length, Math.min(buffer.length * 2, maxBytes)));
      buffer.copy(grown, 0, 0, size);
      buffer = grown;
    }
    chunk.copy(buffer, size);
    size += chunk.length;
  }
  if (part.file.truncated) {
    throw Object.assign(new Error('request file too large'), { code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 });
  }
  return buffer.subarray(0, size);
}

/** Reads the form. A body that is not well-formed multipart (no boundary, truncated, ...) is a 400, not ours to log. */
export async function readForm(request: FastifyRequest, maxUploadBytes: number): Promise<Form> {
  if (!request.isMultipart()) {
    throw new HttpError(ServerErrorCodes.UNSUPPORTED_MEDIA_TYPE, `the request body must be multipart/form-data (fields: ${FORM_FIELDS.join(', ')}); received content-type ${JSON.stringify(request.headers['content-type'] ?? '')}`);
  }
  const fields: Record<string, string> = Object.create(null);
  let file: Buffer | undefined;
  try {
    for await (const part of request.parts()) {
      const name = part.fieldname;
      if (!(FORM_FIELDS as readonly string[]).includes(name)) {
        if (part.type === 'file') part.file.resume();
        throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `unknown form field '${name}'; valid: ${FORM_FIELDS.join(', ')}`, 'form'); // names are at most 100 bytes (fieldNameSize)
      }
      if (part.type === 'file') {
        if (name !== 'file') {
          part.file.resume();
          throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${name} must be a text field, not a file upload`, name);
        }
        if (file) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, 'file must be sent exactly once; received more than one file part', 'file');
        file = await readFilePart(part, declaredLength(request), maxUploadBytes);
      } else {
        if (name === 'file') throw new YoloError(ErrorCodes.INVALID_ARGUMENT, 'file must be a file upload (curl: -F "file=@/path/to/image.jpg"); received a text field', 'file');
        if (name in fields) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${name} must be sent at most once; received it twice`, name);
        if (part.valueTruncated) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `${name} must be at most ${MAX_FIELD_BYTES} bytes; received more`, name);
        fields[name] = typeof part.value === 'string' ? part.value : String(part.value);
      }
    }
  } catch (e) {
    if (e instanceof YoloError || e instanceof HttpError || isFrameworkError(e)) throw e;
    // busboy's own errors: "Boundary not found", "Unexpected end of form", ...
    throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `the multipart/form-data body is malformed: ${(e as Error).message ?? String(e)}`, 'form');
  }
  if (!file) throw new YoloError(ErrorCodes.INVALID_ARGUMENT, 'file is required: an image or video upload (curl: -F "file=@/path/to/image.jpg")', 'file');
  return { file, fields };
}

/**
 * The form's imgsz, conf and iou as predict options, within the HUB ranges (400 naming the field, its range and the
 * value), and `plot: true` when the form asks for the picture.
 */
export function formOptions(fields: Record<string, string>): PredictOptions {
  const options: PredictOptions = {};
  for (const name of ['imgsz', 'conf', 'iou'] as const) {
    if (fields[name] === undefined) continue;
    const [min, max, integer] = HUB_RANGES[name];
    options[name] = checkNumeral(name, fields[name], min, max, integer);
  }
  if (fields.plot !== undefined) {
    if (fields.plot !== 'true' && fields.plot !== 'false') {
      throw new YoloError(ErrorCodes.INVALID_ARGUMENT, `plot must be true or false; received ${shown(fields.plot)}`, 'plot');
    }
    if (fields.plot === 'true') options.plot = true;
  }
  return options;
}
