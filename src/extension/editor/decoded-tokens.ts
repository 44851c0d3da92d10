/**
 * Decoded tokens as read-only documents of their own scheme. An untitled
 * document would ask to be saved when closed (and could be saved into the
 * workspace by accident); a virtual document is never dirty. The documents
 * hold only what Decode Token shows (header, claims, explanations), never the
 * raw token.
 */
import type * as vscode from 'vscode';

export const DECODED_TOKEN_SCHEME = 'oidc-flow-token';

/** Decoded tokens kept for their open tabs; the oldest is dropped past this, so memory stays bounded. */
export const DECODED_TOKEN_LIMIT = 50;

export class DecodedTokenDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private count = 0;

  constructor(private readonly vs: Pick<typeof vscode, 'Uri'>) {}

  /** Keeps `text` and returns the read-only document's URI (its `.json` name gives it JSON colouring). */
  add(text: string): vscode.Uri {
    this.count += 1;
    const path = `/Decoded token ${this.count}.json`;
    this.texts.set(path, text);
    for (const oldest of this.texts.keys()) {
      if (this.texts.size <= DECODED_TOKEN_LIMIT) break;
      this.texts.delete(oldest);
    }
    return this.vs.Uri.from({ scheme: DECODED_TOKEN_SCHEME, path });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    // A tab restored after a reload, or one of the oldest past the limit: its text was never kept on disk.
    return (
      this.texts.get(uri.path) ??
      '// This decoded token is no longer kept (decoded tokens are not stored). Run OIDC Flow: Decode Token again.\n'
    );
  }

  /** Forgets a closed document's text. */
  forget(uri: vscode.Uri): void {
    if (uri.scheme === DECODED_TOKEN_SCHEME) this.texts.delete(uri.path);
  }
}
