/**
 * PaxosTag: the cluster database's version. Each node's copy carries one; when the cluster
 * forms, the copy with the newest tag wins, and every committed change advances it. It is
 * stored as text "next epoch:epoch:sequence" (e.g. "2:2:145"); a plain number is accepted too.
 */

/** The tag's numbers, or null when it is not a tag. */
export function parsePaxosTag(tag: string | null): bigint[] | null {
  if (tag === null) return null;
  const parts = tag.trim().split(':');
  if (parts.length === 0 || parts.length > 3 || !parts.every((p) => /^\d{1,20}$/.test(p))) return null;
  return parts.map((p) => BigInt(p));
}

/** -1 when `a` is older than `b`, 1 when newer, 0 when the same; null when either is missing or unreadable. */
export function comparePaxosTags(a: string | null, b: string | null): -1 | 0 | 1 | null {
  const x = parsePaxosTag(a);
  const y = parsePaxosTag(b);
  if (!x || !y || x.length !== y.length) return null;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

/** How a backup's tag stands to the live cluster's. */
export function paxosRelation(backup: string | null, live: string | null): 'older' | 'newer' | 'same' | 'unknown' {
  const c = comparePaxosTags(backup, live);
  return c === null ? 'unknown' : c < 0 ? 'older' : c > 0 ? 'newer' : 'same';
}
