import type { KeyState } from "./key-state.js";

// Who gives its place when the key table is full (key-table.ts, makeRoom): only what never was
// healthy (KeyState.healthy) and went quiet, the quietest first. Healthy keys, and ScaledObjects
// using one, are never chosen, so junk cannot push them out; a newcomer is refused when nothing
// qualifies. A linear scan: it runs only when the table is full, over at most its bounds.

/** The id of the never-healthy key with the oldest interest at or before `cutoff`, if any. */
export function quietestNeverHealthyKey<H, A extends string>(
  states: ReadonlyMap<string, KeyState<H, A>>,
  cutoff: number,
): string | undefined {
  let found: string | undefined;
  let oldest = cutoff;
  for (const [kid, state] of states) {
    if (state.healthy || state.lastInterestAt > oldest) continue;
    if (found !== undefined && state.lastInterestAt === oldest) continue;
    found = kid;
    oldest = state.lastInterestAt;
  }
  return found;
}

/**
 * The id of the ScaledObject whose keys all never were healthy and whose newest call is the oldest,
 * at or before `cutoff`, if any.
 */
export function quietestNeverHealthyScaledObject<H, A extends string>(
  states: ReadonlyMap<string, KeyState<H, A>>,
  sos: ReadonlyMap<string, ReadonlySet<string>>,
  cutoff: number,
): string | undefined {
  let found: string | undefined;
  let oldest = cutoff;
  for (const [sid, kids] of sos) {
    let lastSeen = -Infinity;
    let healthy = false;
    for (const kid of kids) {
      const state = states.get(kid);
      if (!state) continue;
      if (state.healthy) healthy = true;
      lastSeen = Math.max(lastSeen, state.uses.get(sid)?.lastSeenAt ?? -Infinity);
    }
    if (healthy || lastSeen > oldest || (found !== undefined && lastSeen === oldest)) continue;
    found = sid;
    oldest = lastSeen;
  }
  return found;
}
