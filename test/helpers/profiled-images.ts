/**
 * Images that carry a colour profile, with stored values known by
 * construction: a PNG or JPEG is written without a profile, then an ICC
 * profile is spliced into the file (a PNG iCCP chunk, a JPEG APP2 marker).
 * The pixel data stays byte for byte what it was, so the stored values are
 * exactly those of the file without the profile.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** The Display P3 profile sharp ships (what phones embed). */
export async function displayP3(): Promise<Buffer> {
  const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).withIccProfile('p3').png().toBuffer();
  const { icc } = await sharp(png).metadata();
  if (!icc) throw new Error('sharp wrote no Display P3 profile');
  return icc;
}

/**
 * An Adobe RGB (1998) profile (what cameras embed): ICC v2 matrix/TRC, the
 * D50-adapted primaries of Adobe's own AdobeRGB1998.icc and its gamma
 * 563/256 (Adobe RGB (1998) Color Image Encoding, section 4.3.4.2).
 */
export function adobeRgb1998(): Buffer {
  const xyz = (x: number, y: number, z: number) => {
    const b = Buffer.alloc(20);
    b.write('XYZ ', 0, 'latin1');
    [x, y, z].forEach((v, i) => b.writeInt32BE(Math.round(v * 65536), 8 + i * 4));
    return b;
  };
  const curve = Buffer.alloc(14);
  curve.write('curv', 0, 'latin1');
  curve.writeUInt32BE(1, 8);
  curve.writeUInt16BE(563, 12); // u8Fixed8: 2.19921875
  const name = 'Adobe RGB (1998)';
  const desc = Buffer.alloc(12 + name.length + 1 + 4 + 4 + 2 + 1 + 67);
  desc.write('desc', 0, 'latin1');
  desc.writeUInt32BE(name.length + 1, 8);
  desc.write(name, 12, 'latin1');
  const cprt = Buffer.concat([Buffer.from('text\0\0\0\0', 'latin1'), Buffer.from('No copyright, test data\0', 'latin1')]);
  const tags: Array<[string, Buffer]> = [
    ['desc', desc], ['cprt', cprt], ['wtpt', xyz(0.9642, 1, 0.82491)],
    ['rXYZ', xyz(0.60974, 0.31111, 0.01947)], ['gXYZ', xyz(0.20528, 0.62567, 0.06087)], ['bXYZ', xyz(0.14919, 0.06322, 0.74457)],
    ['rTRC', curve], ['gTRC', curve], ['bTRC', curve],
  ];
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  const table = Buffer.alloc(4 + tags.length * 12);
  table.writeUInt32BE(tags.length, 0);
  const bodies: Buffer[] = [];
  let offset = 128 + table.length;
  tags.forEach(([sig, data], i) => {
    table.write(sig, 4 + i * 12, 'latin1');
    table.writeUInt32BE(offset, 8 + i * 12);
    table.writeUInt32BE(data.length, 12 + i * 12);
    bodies.push(pad(data));
    offset += pad(data).length;
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8); // version 2.1
  header.write('mntrRGB XYZ ', 12, 'latin1');
  header.write('acsp', 36, 'latin1');
  [0.9642, 1, 0.82491].forEach((v, i) => header.writeInt32BE(Math.round(v * 65536), 68 + i * 4)); // PCS illuminant D50
  return Buffer.concat([header, table, ...bodies]);
}

/** A PNG's bytes with an iCCP chunk holding `profile`, placed after IHDR as the PNG spec requires. */
export function withPngProfile(png: Buffer, profile: Buffer): Buffer {
  const ihdrEnd = 8 + 8 + png.readUInt32BE(8) + 4;
  const data = Buffer.concat([Buffer.from('embedded\0', 'latin1'), Buffer.from([0]), deflateSync(profile)]);
  const typed = Buffer.concat([Buffer.from('iCCP', 'latin1'), data]);
  const chunk = Buffer.alloc(4 + typed.length + 4);
  chunk.writeUInt32BE(data.length, 0);
  typed.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typed), 4 + typed.length);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/** A JPEG's bytes with an APP2 ICC_PROFILE marker holding `profile` (one segment), right after SOI. */
export function withJpegProfile(jpeg: Buffer, profile: Buffer): Buffer {
  const head = Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1])]);
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xffe2, 0);
  marker.writeUInt16BE(2 + head.length + profile.length, 2);
  return Buffer.concat([jpeg.subarray(0, 2), marker, head, profile, jpeg.subarray(2)]);
}

/** Saturated and mid-tone colours, where a profile conversion moves the values most. */
export function swatches(w: number, h: number): Buffer {
  const colours = [[0, 200, 0], [220, 30, 40], [20, 40, 230], [128, 128, 128], [250, 200, 20], [90, 160, 200]];
  const buf = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) buf.set(colours[(i + Math.floor(i / w)) % colours.length].map((v) => (v + i) % 256), i * 3);
  return buf;
}
