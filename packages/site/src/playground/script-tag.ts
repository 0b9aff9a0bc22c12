/** The script tag that loads the playground island, pointed at a runtime URL (`lab serve`, or `lab dev`'s mount). */
export function playgroundScriptTag(islandUrl: string, runtimeUrl: string): string {
  const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<script type="module" src="${attr(islandUrl)}" data-lk-runtime="${attr(runtimeUrl)}"></script>`;
}
