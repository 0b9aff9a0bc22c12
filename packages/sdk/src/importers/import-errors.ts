import { defineErrors } from '../errors/labkit-error.ts';

/**
 * Errors an importer raises about its arguments (not about the content it
 * reads: those are Diagnostics). Kept beside the importers until the SDK has
 * one `errors.ts` catalogue to merge them into.
 */
export const ImportErrors = defineErrors({
  SourceNotFound: {
    title: 'Import source not found',
    message: (source: string) => `The import source ${source} does not exist or is not a folder.`,
    hint: 'Pass the folder of one scenario (it holds index.json) or of a repository of scenarios.',
  },
  NoScenarios: {
    title: 'No Killercoda scenario found',
    message: (source: string) => `No index.json was found in ${source} or its sub-folders.`,
    hint: 'A Killercoda scenario is a folder with an index.json; point the import at it or at a folder that contains scenarios.',
  },
  OutputExists: {
    title: 'Output folder exists',
    message: (out: string) => `The output folder ${out} already exists.`,
    hint: 'Choose another --out folder, or pass --force to replace it.',
  },
  OutputOverlapsSource: {
    title: 'Output overlaps the source',
    message: (out: string, source: string) => `The output folder ${out} and the source folder ${source} contain one another.`,
    hint: 'The importer never writes into the source folder: choose an --out folder outside it.',
  },
  UnsafeOutputPath: {
    title: 'Output path outside the output folder',
    message: (rel: string) => `The import would write ${JSON.stringify(rel)}, which is not a path inside the output folder; nothing was written.`,
    hint: 'This is a bug in the importer (every name it writes should be cleaned): please report it with the scenario that caused it.',
  },
});
