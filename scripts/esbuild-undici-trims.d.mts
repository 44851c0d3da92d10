import type { Plugin } from 'esbuild';

/** See esbuild-undici-trims.mjs. */
export function undiciTrims(root: string): Plugin;
