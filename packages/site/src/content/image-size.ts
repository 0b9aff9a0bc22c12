import { imageSize as readImageSize } from 'image-size';

/**
 * Width and height from an image's header (PNG, JPEG, GIF, WebP, AVIF, SVG
 * and more, through the image-size library), so `<img>` tags carry their
 * size and the page does not jump while loading. A JPEG whose EXIF
 * orientation turns it a quarter (5-8) gets its displayed size, width and
 * height swapped, as browsers show it. An unknown or truncated image gets
 * no size rather than a failed build.
 */
export function imageSize(bytes: Uint8Array): { width?: number; height?: number } {
  try {
    const size = readImageSize(bytes);
    if (!size.width || !size.height) return {};
    const turned = size.orientation !== undefined && size.orientation >= 5;
    return turned ? { width: size.height, height: size.width } : { width: size.width, height: size.height };
  } catch {
    return {};
  }
}
