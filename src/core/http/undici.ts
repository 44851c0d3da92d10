import type * as Undici from 'undici';

let loaded: typeof Undici | undefined;

/**
 * undici, evaluated when the first dispatcher is made, not when the HTTP layer
 * is imported. Evaluating its 1.2 MB was the largest part of the start of every
 * command that imports the HTTP client, including those that send nothing
 * (`routes --apache-conf`, `routes --deck`) or send later (issue #14, CLI start).
 * A `require` from src/ is also where esbuild.config.mjs cuts the CLI's bundles,
 * so a command that never sends a request does not even read undici's bundle.
 */
export function undici(): typeof Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('undici') as typeof Undici);
}
