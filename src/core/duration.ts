/** A span of seconds as people read it: "3h 5m", "59m 12s", "42s" (the sign is ignored). */
export function formatSpan(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs >= 3600) return `${Math.floor(abs / 3600)}h ${Math.floor((abs % 3600) / 60)}m`;
  if (abs >= 60) return `${Math.floor(abs / 60)}m ${abs % 60}s`;
  return `${abs}s`;
}
