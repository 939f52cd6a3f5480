// Hostile image files, made at test time: each declares (or hides) a size that a decoder would allocate for, so a
// test can check that the header gate refuses it before any decoder runs (native/image_header.cc).
import { createRequire } from 'node:module';

const sharp = createRequire(import.meta.url)('sharp');

/** A small real JPEG (baseline, 4:2:0) to forge from. */
export async function baseJpeg() {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 90, b: 30 } } }).jpeg({ quality: 80 }).toBuffer();
}

/** Offset of the first marker `code` (0xFFcc) of a JPEG, walking the segments properly. */
export function jpegMarker(jpeg, code) {
  let i = 2;
  while (i + 4 <= jpeg.length) {
    if (jpeg[i] !== 0xff) throw new Error(`no marker at ${i}`);
    if (jpeg[i + 1] === code) return i;
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error(`marker ff${code.toString(16)} not found`);
}

/** The JPEG with its SOF0 frame size set to width x height (the scan data no longer fits it: decoders pad). */
export function jpegWithSize(jpeg, width, height) {
  const out = Buffer.from(jpeg);
  const sof = jpegMarker(out, 0xc0);
  out.writeUInt16BE(height, sof + 5);
  out.writeUInt16BE(width, sof + 7);
  return out;
}

/** Finding 2: one stray byte before SOF (libjpeg skips it with a warning; a naive marker walk gives up). */
export function jpegStrayByteBeforeSof(jpeg) {
  const sof = jpegMarker(jpeg, 0xc0);
  return Buffer.concat([jpeg.subarray(0, sof), Buffer.from([0x00]), jpeg.subarray(sof)]);
}

/**
 * Finding 2: a TEM marker (0xFF01, no length field) right after SOI, then an APP1 segment that carries a fake 16x16
 * SOF exactly where a walk that reads TEM as a length-carrying segment lands (SOI + TEM + 0xFFE1 bytes on).
 */
export function jpegFakeSofBehindTem(jpeg) {
  const app1Length = 0xffff;
  const app1 = Buffer.alloc(2 + app1Length);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(app1Length, 2);
  const landing = 2 + 2 + 0xffe1 - 4; // offset inside app1 the naive walk jumps to
  Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]).copy(app1, landing);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0x01]), app1, jpeg.subarray(2)]);
}

/** Finding 2: a GIF whose logical screen is width x height (it takes the video path: FFmpeg allocates the screen). */
export function gifWithScreen(width, height) {
  const head = Buffer.alloc(13);
  head.write('GIF89a', 0, 'latin1');
  head.writeUInt16LE(width, 6);
  head.writeUInt16LE(height, 8);
  head[10] = 0x80; // global colour table of 2 entries
  const palette = Buffer.from([0, 0, 0, 255, 255, 255]);
  const image = Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]); // one 1x1 frame
  return Buffer.concat([head, palette, image]);
}

/**
 * A TIFF (little-endian) of 8-bit RGB, uncompressed, one strip of `data` bytes, with the given IFD entries
 * [tag, type, value] added to the required ones (later entries with the same tag are duplicates). big: BigTIFF.
 */
export function tiff({ width, height, sizeType = 3, extra = [], big = false, compression = 1, data = 64 }) {
  const entries = [
    [256, sizeType, width],
    [257, sizeType, height],
    [258, 3, 8],
    [259, 3, compression],
    [262, 3, 2],
    [273, 4, 0], // StripOffsets: patched below
    [277, 3, 3],
    [278, sizeType, height],
    [279, 4, data],
    ...extra,
  ];
  const entrySize = big ? 20 : 12;
  const ifdAt = big ? 16 : 8;
  const ifdSize = (big ? 8 : 2) + entries.length * entrySize + (big ? 8 : 4);
  const buf = Buffer.alloc(ifdAt + ifdSize + data);
  buf.write('II', 0, 'latin1');
  if (big) {
    buf.writeUInt16LE(43, 2);
    buf.writeUInt16LE(8, 4);
    buf.writeBigUInt64LE(BigInt(ifdAt), 8);
    buf.writeBigUInt64LE(BigInt(entries.length), ifdAt);
  } else {
    buf.writeUInt16LE(42, 2);
    buf.writeUInt32LE(ifdAt, 4);
    buf.writeUInt16LE(entries.length, ifdAt);
  }
  const dataAt = ifdAt + ifdSize;
  entries.forEach(([tag, type, value], k) => {
    const e = ifdAt + (big ? 8 : 2) + k * entrySize;
    buf.writeUInt16LE(tag, e);
    buf.writeUInt16LE(type, e + 2);
    const v = tag === 273 ? dataAt : value;
    if (big) {
      buf.writeBigUInt64LE(1n, e + 4);
      buf.writeBigUInt64LE(BigInt(v), e + 12);
    } else {
      buf.writeUInt32LE(1, e + 4);
      if (type === 3 || type === 8) buf.writeUInt16LE(v & 0xffff, e + 8);
      else buf.writeUInt32LE(v >>> 0, e + 8);
    }
  });
  return buf;
}

/** Finding 2: a binary PBM (P4) of width x height with almost no pixel data. */
export function pbm(width, height) {
  return Buffer.concat([Buffer.from(`P4\n${width} ${height}\n`, 'latin1'), Buffer.alloc(16)]);
}

/** Finding 2: a Radiance HDR header with run-length-encoded scanlines of width x height. */
export function radiance(width, height) {
  return Buffer.concat([Buffer.from(`#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y ${height} +X ${width}\n`, 'latin1'), Buffer.from([2, 2, width >> 8, width & 255]), Buffer.alloc(64, 0x80)]);
}

/** Finding 2: a 165-byte JPEG 2000 codestream whose SIZ marker declares width x height. */
export function j2k(width, height) {
  const siz = Buffer.alloc(2 + 2 + 36 + 3 * 3);
  siz.writeUInt16BE(0xff51, 0);
  siz.writeUInt16BE(38 + 3 * 3, 2);
  siz.writeUInt16BE(0, 4); // Rsiz
  siz.writeUInt32BE(width, 6);
  siz.writeUInt32BE(height, 10);
  siz.writeUInt32BE(width, 22); // XTsiz: one tile
  siz.writeUInt32BE(height, 26);
  siz.writeUInt16BE(3, 38); // components
  for (let c = 0; c < 3; c++) siz.set([7, 1, 1], 40 + 3 * c);
  const out = Buffer.concat([Buffer.from([0xff, 0x4f]), siz]);
  return Buffer.concat([out, Buffer.alloc(165 - out.length - 2), Buffer.from([0xff, 0xd9])]);
}

/** Finding 2: a lossless WebP (VP8L) header of width x height, 38 bytes. */
export function webpLossless(width, height) {
  const buf = Buffer.alloc(38);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(30, 4);
  buf.write('WEBPVP8L', 8, 'latin1');
  buf.writeUInt32LE(18, 16);
  buf[20] = 0x2f;
  buf.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 21);
  return buf;
}

/**
 * An uncompressed 24-bit BMP of w x h, rgbAt(x, y) -> [r, g, b], bottom-up rows: with a Windows BITMAPINFOHEADER
 * (40 bytes, 32-bit sizes), or with an OS/2 BITMAPCOREHEADER (12 bytes, 16-bit sizes: finding 7).
 */
export function bmp(w, h, rgbAt, { os2 = false } = {}) {
  const stride = Math.ceil((w * 3) / 4) * 4;
  const headerSize = os2 ? 12 : 40;
  const dataAt = 14 + headerSize;
  const buf = Buffer.alloc(dataAt + stride * h);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(dataAt, 10);
  buf.writeUInt32LE(headerSize, 14);
  if (os2) {
    buf.writeUInt16LE(w, 18);
    buf.writeUInt16LE(h, 20);
    buf.writeUInt16LE(1, 22);
    buf.writeUInt16LE(24, 24);
  } else {
    buf.writeInt32LE(w, 18);
    buf.writeInt32LE(h, 22);
    buf.writeUInt16LE(1, 26);
    buf.writeUInt16LE(24, 28);
    buf.writeUInt32LE(stride * h, 34);
  }
  for (let y = 0; y < h; y++) {
    const row = dataAt + (h - 1 - y) * stride;
    for (let x = 0; x < w; x++) {
      const [r, g, b] = rgbAt(x, y);
      buf[row + 3 * x] = b;
      buf[row + 3 * x + 1] = g;
      buf[row + 3 * x + 2] = r;
    }
  }
  return buf;
}

/** Finding 7: a JPEG whose bytes 4-7 read "ftyp" (an APP1 segment of length 0x6674 whose payload starts "yp"). */
export function jpegWithFtypBytes(jpeg) {
  const app1 = Buffer.alloc(2 + 0x6674);
  app1.writeUInt16BE(0xffe1, 0);
  app1.write('ftyp', 2, 'latin1');
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}
