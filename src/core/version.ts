import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// esbuild replaces this with package.json's version at build time (see esbuild.config.mjs).
declare const __OIDC_FLOW_VERSION__: string | undefined;

/**
 * The version this build was made from. Run from source (tests, tsx) there
 * is no build, so package.json beside the sources says it. Never read from
 * the environment: `npm_package_version` names whatever package ran npm.
 */
export const VERSION: string =
  typeof __OIDC_FLOW_VERSION__ === 'string'
    ? __OIDC_FLOW_VERSION__
    : (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
