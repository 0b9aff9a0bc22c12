// Pins the whole public surface of @labkit/publish: the exact, sorted list of
// exported names. Adding, removing or renaming an export fails here, so the
// change is made on purpose (update the list in the same commit and say why).
import { describe, expect, it } from 'vitest';

const publishNames = [
  'DirectoryTarget', 'PublishErrors', 'S3Target', 'cacheControlFor', 'contentDispositionFor', 'createTarget',
  'defaultSteps', 'isContentHashed', 'parseTarget', 'publish', 'publishBundle', 'syncToTarget',
];

describe('@labkit/publish public API', () => {
  it('@labkit/publish exports exactly the pinned names', async () => {
    expect(Object.keys(await import('@labkit/publish')).sort()).toEqual(publishNames);
  });
});
