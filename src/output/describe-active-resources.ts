/**
 * Summarises what keeps the event loop alive, for the deadline report:
 * `TCPServerWrap, Timeout ×2`. stdout and stderr are listed by Node as
 * PipeWrap/TTYWrap once touched although they never keep the process alive
 * (node-platform-facts §8), so the report says so when they appear.
 */
export function describeActiveResources(types: readonly string[] | undefined): string {
  if (types === undefined) return 'unknown (this runtime does not list them)';
  if (types.length === 0) return 'nothing (the event loop is empty)';
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  const parts = [...counts].map(([type, count]) => (count === 1 ? type : `${type} ×${count}`));
  const note = counts.has('PipeWrap') || counts.has('TTYWrap') ? ' (PipeWrap/TTYWrap include stdout and stderr)' : '';
  return parts.join(', ') + note;
}
