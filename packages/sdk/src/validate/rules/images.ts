import type { Span } from '../../diagnostics/diagnostic.ts';
import { safeUrl } from '../../render/component-props.ts';
import { placeOf } from '../context.ts';
import { checkAssetPath, SCHEME } from '../asset-path.ts';
import { spanOf, type DocumentContext, type DocumentRule } from '../rule.ts';

/**
 * Images: Markdown images, `image-box`, `slide-show` slides and the front
 * matter cover. `lab:image-alt` (no alt text), `lab:unsafe-url` (a scheme
 * the sanitizer drops), `lab:missing-asset` (a `__static__` file that is
 * not there).
 */
export const images: DocumentRule = {
  ids: ['lab:image-alt', 'lab:unsafe-url', 'lab:missing-asset'],
  document: (ctx) => ({
    image(node) {
      if (!node.position) return;
      if (!node.alt || !node.alt.trim()) ctx.r.report('lab:image-alt', ctx.file, spanOf(node), 'Image without alt text: write `![what it shows](...)`.');
      if (node.url) checkImage(ctx, node.url, spanOf(node));
    },
    component({ node, name, props }) {
      const values = props.values;
      if (name === 'image-box') {
        if (typeof values['src'] === 'string') checkImage(ctx, values['src'], ctx.propSpan(node, 'src', 'value'));
        if (typeof values['alt'] !== 'string' || !values['alt'].trim()) {
          ctx.r.report('lab:image-alt', ctx.file, ctx.nameSpan(node), 'image-box without `alt` text: describe the image for screen readers.');
        }
      }
      if (name === 'slide-show' && Array.isArray(values['slides'])) {
        const span = ctx.propSpan(node, 'slides');
        for (const s of values['slides'] as Record<string, unknown>[]) {
          if (!s || typeof s !== 'object') continue;
          if (typeof s['image'] === 'string') checkImage(ctx, s['image'], span);
          if (typeof s['alt'] !== 'string' || !s['alt'].trim()) ctx.r.report('lab:image-alt', ctx.file, span, 'Slide without `alt` text: describe the image for screen readers.');
        }
      }
    },
    end() {
      const cover = ctx.doc.data?.['cover'];
      if (typeof cover === 'string') checkAssetPath(ctx, cover, placeOf(ctx.doc, ['cover'], 'value'));
    },
  }),
};

/** An image the sanitizer would drop (`javascript:`, `data:`...) is left out of the page; else its path must exist. */
function checkImage(ctx: DocumentContext, url: string, span: Span): void {
  if (!url.trim()) return;
  if (SCHEME.test(url.trim()) && !safeUrl(url)) {
    ctx.r.report('lab:unsafe-url', ctx.file, span, `Image source "${url}" is not a relative path or an http(s) URL: the page leaves the image out.`);
    return;
  }
  checkAssetPath(ctx, url, span);
}
