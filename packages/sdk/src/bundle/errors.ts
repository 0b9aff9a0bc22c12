import { defineErrors } from '../errors/labkit-error.ts';

/**
 * Problems the bundle writer raises. They are tool errors, not content
 * diagnostics: by the time a bundle is made the content has validated, so
 * each of these means a caller handed over something a bundle cannot hold.
 */
export const BundleErrors = defineErrors({
  Unserializable: {
    title: 'Content model cannot be written as JSON',
    message: (where: string, what: string) => `The resolved model holds ${what} at ${where || 'its top level'}, which JSON cannot represent faithfully.`,
    hint: 'This is a bug in Labkit (the model given to the bundle must be plain data). Please report it with the path above.',
  },
  UnsafePath: {
    title: 'Unsafe path in bundle',
    message: (path: string, why: string) => `The bundle was asked to hold "${path}", which ${why}.`,
    hint: 'Bundle paths are relative POSIX paths inside the content folder (no leading "/", no "..", no backslashes). Rename the file, or report a bug if Labkit produced this path.',
  },
  DuplicatePath: {
    title: 'Two different files for one bundle path',
    message: (path: string) => `Two inputs want to publish different bytes at "${path}".`,
    hint: 'Each published path must come from one file. If a site file clashes with the bundle (manifest.json or _bundle/), rename or remove it from the site output.',
  },
  DuplicateItem: {
    title: 'Two items with one kind and name',
    message: (kind: string, name: string) => `The bundle was given two ${kind} items named "${name}".`,
    hint: 'Names identify items in the manifest. lab validate reports duplicate names; fix them there.',
  },
});
