import type * as Crypto from 'node:crypto';

/**
 * node:crypto, loaded at the first call rather than with the importing module. Loading it cost
 * about a third of `node -e 0`'s start in instructions (+34M on Node 24; issue #14, CLI start),
 * and most starts need no hash, key or random bytes: a `run` of calls without OAuth, `import -o -`,
 * `validate`. Modules whose every use needs it (jose's, the sandbox's) import it as usual.
 */
export function nodeCrypto(): typeof Crypto {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:crypto') as typeof Crypto;
}
