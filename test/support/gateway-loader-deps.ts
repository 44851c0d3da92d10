import type { GatewayLoaderDeps } from '../../src/extension/gateway/gateway-loader';

/** Gateway loader deps for tests: a trusted workspace, no token, and no request or file read unless overridden. */
export function gatewayLoaderDeps(overrides: Partial<GatewayLoaderDeps> = {}): GatewayLoaderDeps {
  return {
    token: async () => undefined,
    trusted: () => true,
    workspaceRoot: () => '/work/space',
    env: {},
    createHttp: () => Promise.reject(new Error('no request may be made in these tests')),
    readFile: () => Promise.reject(new Error('no file may be read in these tests')),
    ...overrides,
  };
}
