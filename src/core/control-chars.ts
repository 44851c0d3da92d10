/**
 * Outside data (claims, server error text, step names, file values) may hold
 * control characters that a terminal obeys: ESC[2J clears the screen, an OSC
 * sequence retitles the window or writes a link, CR overwrites a line. Shown
 * as `\u001b` they are readable and harmless. \n and \t are kept: layouts need them.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with every C0/C1 control character but \n and \t written as a `\uXXXX` escape; linear time. */
export function escapeControlChars(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The same, keeping the sequences `keep` matches (a shell's own colour codes).
 * `keep` must match at the start of an ESC only, e.g. /\u001b\[(?:0|1)m/.
 */
export function escapeControlCharsExcept(text: string, keep: RegExp): string {
  const either = new RegExp(`(${keep.source})|${CONTROL.source}`, 'g');
  return text.replace(either, (found, kept: string | undefined) => kept ?? escapeControlChars(found));
}
