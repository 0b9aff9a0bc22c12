/** The names `lab.config` may have, first match wins (kept apart so finding a project loads no schema). */
export const CONFIG_FILES = ['lab.config.ts', 'lab.config.mjs', 'lab.config.js'] as const;
