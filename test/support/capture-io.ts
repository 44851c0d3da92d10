import type { CliIo } from '../../src/cli/io';

/** A CLI io that captures output; stdin is what the test pipes. */
export function captureIo(options: { env?: Record<string, string | undefined>; stdin?: string; tty?: boolean } = {}) {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text), isTTY: options.tty },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty },
    env: options.env ?? {},
    readStdin: async () => options.stdin,
  };
  return { io, out: () => out, err: () => err };
}
