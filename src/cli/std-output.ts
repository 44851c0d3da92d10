/**
 * Standard output and standard error as the built CLI writes them (src/cli/main.ts).
 *
 * Why not process.stdout: making it for a pipe or a socket (CI logs, `| jq`, a parent process)
 * loads Node's net and stream modules, about 3 ms of every start that prints (a `node` process
 * writing one line to a pipe: 25 ms with process.stdout, 22 ms with fs.writeSync; issue #14 point 3).
 * Node writes to pipes and files synchronously on Linux anyway, so for a pipe, socket or file the
 * text goes straight to the file descriptor, in order, before the call returns. A terminal (and
 * anything else: a character device, Windows) keeps Node's stream, made when first asked for:
 * help folds to its columns, the progress line needs it.
 *
 * A descriptor another part of the process made non-blocking can refuse a write (EAGAIN) when the
 * reader is slow: the rest of the output then goes through Node's stream, which waits for it.
 */
import type { Stats } from 'node:fs';
import { fstatSync, writeSync } from 'node:fs';

export interface StdOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** What stdOutput needs from the system, injected so tests can make a slow reader or a closed pipe. */
export interface StdOutputDeps {
  fstat?: (fd: number) => Stats;
  writeSync?: (fd: number, data: string | Uint8Array) => number;
}

/**
 * The writer for `fd` (1 or 2): straight to the descriptor for a pipe, socket or file, else
 * `stream()` (Node's process.stdout or process.stderr). `closed()` runs when the reader has gone
 * (EPIPE: `oidc-flow ... | head`), as the stream's error handler does.
 */
export function stdOutput(
  fd: number,
  stream: () => StdOutput,
  closed: () => void,
  deps: StdOutputDeps = {},
): StdOutput {
  const stat = deps.fstat ?? fstatSync;
  const write: (fd: number, data: string | Uint8Array) => number =
    deps.writeSync ?? ((to, data) => (typeof data === 'string' ? writeSync(to, data) : writeSync(to, data)));
  let direct: boolean;
  try {
    const kind = stat(fd);
    direct = kind.isFIFO() || kind.isSocket() || kind.isFile();
  } catch {
    direct = false;
  }
  if (!direct) return stream();
  let fallback: { write(data: string | Uint8Array): unknown } | undefined;
  return {
    write(text: string): boolean {
      if (fallback) return fallback.write(text) !== false;
      const size = Buffer.byteLength(text);
      let sent = 0;
      let bytes: Buffer | undefined;
      try {
        sent = write(fd, text);
        // A pipe may take part of a long text: the rest goes as bytes, from where it stopped.
        while (sent < size) sent += write(fd, (bytes ??= Buffer.from(text)).subarray(sent));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          closed();
          return false;
        }
        if (code !== 'EAGAIN') throw error;
        fallback = stream() as { write(data: string | Uint8Array): unknown };
        return fallback.write((bytes ?? Buffer.from(text)).subarray(sent)) !== false;
      }
      return true;
    },
  };
}
