/**
 * Registers, in the calling describe(), an afterEach that closes what each
 * test opened (HTTP clients, local servers), last opened first. Returns the
 * function that registers one: `const client = opened(createHttpClient(...))`.
 */
export function closeAfterEach(): <T extends { close(): Promise<void> }>(closable: T) => T {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });
  return (closable) => {
    open.push(closable);
    return closable;
  };
}
