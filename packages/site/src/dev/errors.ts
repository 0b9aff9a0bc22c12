import { defineErrors } from '@labkit/sdk';

/**
 * Errors `lab dev` itself raises. Content problems are never here: they are
 * Diagnostics, shown in the terminal and the preview overlay.
 */
export const DevErrors = defineErrors({
  ContentDirMissing: {
    title: 'Content folder not found',
    message: (dir: string) => `"${dir}" does not exist or is not a folder.`,
    hint: 'Run `lab dev <dir>` with the folder that holds your tutorials and challenges.',
  },
  NoFreePort: {
    title: 'No free port',
    message: (host: string, first: number, last: number) =>
      `Ports ${first} to ${last} on ${host} are all in use.`,
    hint: 'Stop the other server or pick another port with `--port <n>`.',
  },
  ListenFailed: {
    title: 'Preview server could not start',
    message: (host: string, port: number, reason: string) => `Listening on ${host}:${port} failed: ${reason}`,
    hint: (host: string, _port: number, _reason: string) =>
      host === '127.0.0.1' ? 'Check that nothing blocks local ports.' : `Check that "${host}" is an address of this machine.`,
  },
});
