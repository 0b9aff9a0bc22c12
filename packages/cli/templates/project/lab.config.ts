// Labkit project settings, read by `lab build` and `lab dev`.
// Content is every `index.md` / `*.lab.ts` under this folder.
export default {
  site: {
    /** Shown in the header and the page titles of the built site. */
    title: '{{title}}',
    /** Path the site is served under, e.g. '/labs/' on GitHub Pages. */
    base: '/',
  },
};
