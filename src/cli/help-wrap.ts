/**
 * Help that fits the terminal: the help texts are written for 100 to 116
 * columns; on a narrower terminal each long line is folded at a space, its
 * continuation indented under where its text begins (an option's
 * description, a usage line's options), so the two-column layout survives.
 * Piped or redirected help is left as written.
 */

/** Below this the layout cannot hold any more; fold at this width instead. */
const NARROWEST = 40;

/** Where a folded line's continuation starts. */
function hangingIndent(line: string, width: number): number {
  const usage = /^Usage: oidc-flow (?:\S+ )?/.exec(line);
  if (usage) return usage[0].length;
  // An option or command row: the description column after a gap of two or more spaces.
  const row = /^(\s*\S+(?: \S+)*\s{2,})\S/.exec(line);
  if (row && row[1]!.length <= width / 2) return row[1]!.length;
  return /^\s*/.exec(line)![0].length;
}

function foldLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = hangingIndent(line, width);
  const out: string[] = [];
  let rest = line;
  let lead = '';
  while (lead.length + rest.length > width) {
    const room = width - lead.length;
    let at = rest.lastIndexOf(' ', room);
    // No space to fold at within the room (a long URL, a long word): fold after the word.
    if (at <= 0) at = rest.indexOf(' ', room);
    if (at <= 0) break;
    out.push(lead + rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
    lead = ' '.repeat(indent);
  }
  out.push(lead + rest);
  return out;
}

/** The help text folded to `columns` (a terminal's width); as written when columns is unknown. */
export function fitHelp(text: string, columns: number | undefined): string {
  if (!columns || columns <= 0) return text;
  const width = Math.max(columns - 1, NARROWEST);
  return text
    .split('\n')
    .flatMap((line) => foldLine(line, width))
    .join('\n');
}
