// The results view's script (runs in the webview, no vscode API import).
// Filled in by the extension work; kept so the bundle exists from day one.
export {};
const root = document.getElementById('root');
if (root) root.textContent = 'OIDC Flow Debugger';
