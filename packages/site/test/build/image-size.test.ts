// Image sizes for <img width height>: through the image-size library (was a
// hand-written header reader that ignored EXIF orientation).
import { describe, expect, it } from 'vitest';
import { imageSize } from '../../src/content/image-size.ts';

/** A minimal baseline JPEG header: 200 wide, 100 high, with an EXIF orientation. */
function jpeg(orientation: number): Buffer {
  const tiff = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]);
  const exif = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (exif.length + 2) >> 8, (exif.length + 2) & 0xff]), exif]);
  const sof0 = Buffer.from([0xff, 0xc0, 0, 17, 8, 0, 100, 0, 200, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, sof0, Buffer.from([0xff, 0xd9])]);
}

describe('imageSize', () => {
  it('reads a JPEG frame size and turns it by its EXIF orientation, as browsers show it', () => {
    expect(imageSize(jpeg(1))).toEqual({ width: 200, height: 100 });
    expect(imageSize(jpeg(6))).toEqual({ width: 100, height: 200 }); // rotated 90°: the old reader said 200×100
  });

  it('reads PNG and SVG, and gives no size for what it cannot read', () => {
    const png = Buffer.alloc(33);
    png.write('\x89PNG\r\n\x1a\n', 0, 'binary');
    png.writeUInt32BE(13, 8);
    png.write('IHDR', 12);
    png.writeUInt32BE(640, 16);
    png.writeUInt32BE(480, 20);
    expect(imageSize(png)).toEqual({ width: 640, height: 480 });
    expect(imageSize(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 12"></svg>'))).toEqual({ width: 24, height: 12 });
    expect(imageSize(Buffer.from('not an image'))).toEqual({});
    expect(imageSize(Buffer.from([0xff, 0xd8, 0xff]))).toEqual({});
  });
});
