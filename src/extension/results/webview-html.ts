/**
 * The results view's HTML: a strict CSP with a fresh nonce for the one
 * script, styles only from the extension, nothing inline. No vscode import.
 */
import { randomBytes } from 'node:crypto';

/** A fresh nonce for one page load (128 bits from the OS CSPRNG). */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

export interface ResultsHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** The Content-Security-Policy of the results view. */
export function resultsCsp(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The page: a root element the script fills, and nothing else. */
export function resultsHtml(options: ResultsHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(resultsCsp(options.cspSource, options.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(options.styleUri)}">
<title>OIDC Flow Results</title>
</head>
<body>
<main id="root"><p class="muted">Waiting for a run…</p></main>
<p id="announce" class="sr-only" role="status"></p>
<script nonce="${attr(options.nonce)}" src="${attr(options.scriptUri)}"></script>
</body>
</html>`;
}
