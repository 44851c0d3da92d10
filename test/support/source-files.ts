import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file below `dir` (none when it does not exist), for tests that read the source as text. */
export function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}
