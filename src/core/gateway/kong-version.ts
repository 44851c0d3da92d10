/**
 * Kong Gateway versions as its APIs report them ("3.14.0.0",
 * "3.9.1", "3.14.0.1-enterprise-edition"): some plugin defaults changed
 * between versions, so the lint asks which side of a change a gateway is on.
 */

function parts(version: string | undefined): number[] | undefined {
  const match = /^(\d+(?:\.\d+)*)/.exec(version ?? '');
  if (!match || !match[1]!.includes('.')) return undefined;
  return match[1]!.split('.').map(Number);
}

/** Whether a Kong version is at least major.minor; undefined when the version cannot be read. */
export function kongAtLeast(version: string | undefined, major: number, minor: number): boolean | undefined {
  const p = parts(version);
  if (!p) return undefined;
  const [have, haveMinor] = [p[0]!, p[1] ?? 0];
  return have > major || (have === major && haveMinor >= minor);
}

/** The oldest of several Kong versions (the ones that cannot be read are left out), or undefined. */
export function oldestKongVersion(versions: readonly unknown[]): string | undefined {
  const known = versions.filter((v): v is string => typeof v === 'string' && parts(v) !== undefined);
  const compare = (a: string, b: string): number => {
    const [pa, pb] = [parts(a)!, parts(b)!];
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const d = (pa[i] ?? 0) - (pb[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };
  return known.sort(compare)[0];
}
