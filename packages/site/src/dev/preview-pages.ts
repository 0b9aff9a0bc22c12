/**
 * INTERIM page shell for `lab dev` until the site's one-page renderer lands
 * (the site engineer owns the real templates; `lab dev` must show the same
 * pages). Only the frame around the SDK's HTML lives here.
 */
export interface PreviewItem {
  url: string;
  file: string;
  kind: string;
  title: string;
  description: string;
}

const esc = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function shell(title: string, main: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:52rem;margin:0 auto;padding:1rem}</style></head>
<body><header><a href="/">Catalog</a></header><main>${main}</main></body></html>`;
}

export function renderPreviewPage(item: PreviewItem, bodyHtml: string): string {
  return shell(item.title, `<article data-kind="${esc(item.kind)}"><h1>${esc(item.title)}</h1>${bodyHtml}</article>`);
}

export function renderPreviewCatalog(items: PreviewItem[]): string {
  const cards = items
    .map((i) => `<li data-kind="${esc(i.kind)}"><a href="${esc(i.url)}">${esc(i.title)}</a> <small>${esc(i.kind)}</small></li>`)
    .join('');
  return shell('Catalog', `<h1>Catalog</h1><ul data-catalog>${cards}</ul>`);
}
