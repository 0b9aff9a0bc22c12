// Pins the whole public surface of @labkit/site: the exact, sorted list of exported
// names of each entry in its package.json exports map. Adding, removing or
// renaming an export fails here, so the change is made on purpose (update the
// list in the same commit and say why).
import { describe, expect, it } from 'vitest';

const siteNames = [
  'RenderCache', 'SiteErrors', 'build', 'buildSitePages', 'collectAssets',
  'defineConfig', 'loadClientAssets', 'loadSiteConfig', 'renderPage',
  'siteContentFromGraph', 'siteUserConfigSchema', 'watchBuild',
];
const devNames = [
  'DEFAULT_DEV_PORT', 'DEV_SECRET_HEADER', 'DEV_SECRET_PARAM', 'PLAYGROUND_ASSET_PREFIX', 'dev',
  'lazyPlaygroundApi', 'playgroundClientFiles', 'playgroundDevMount', 'playgroundScriptTag',
];
const shellNames = [
  'renderPage',
];
const astroLoaderNames = [
  'feedPage', 'labkitLoader', 'setLoaderFeed',
];
const configNames = [
  'siteUserConfigSchema',
];

describe('@labkit/site public API', () => {
  it('@labkit/site exports exactly the pinned names', async () => {
    expect(Object.keys(await import('@labkit/site')).sort()).toEqual(siteNames);
  });
  it('@labkit/site/dev exports exactly the pinned names', async () => {
    expect(Object.keys(await import('@labkit/site/dev')).sort()).toEqual(devNames);
  });
  it('@labkit/site/shell exports exactly the pinned names', async () => {
    expect(Object.keys(await import('@labkit/site/shell')).sort()).toEqual(shellNames);
  });
  it('@labkit/site/astro-loader exports exactly the pinned names', async () => {
    expect(Object.keys(await import('@labkit/site/astro-loader')).sort()).toEqual(astroLoaderNames);
  });
  it('@labkit/site/config exports exactly the pinned names', async () => {
    expect(Object.keys(await import('@labkit/site/config')).sort()).toEqual(configNames);
  });
});
