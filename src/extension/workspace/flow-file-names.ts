/** Which files are flow files. No vscode import. */

/** Flow files: `*.oidc-flow.{yaml,yml,json}` anywhere, and `oidc-flow.{yaml,yml,json}`. */
export const FLOW_FILE_GLOB =
  '{**/*.oidc-flow.yaml,**/*.oidc-flow.yml,**/*.oidc-flow.json,**/oidc-flow.yaml,**/oidc-flow.yml,**/oidc-flow.json}';

/** True for a path the extension treats as a flow file. */
export function isFlowFilePath(path: string): boolean {
  return /(^|[\\/])([^\\/]+\.)?oidc-flow\.(ya?ml|json)$/i.test(path);
}
