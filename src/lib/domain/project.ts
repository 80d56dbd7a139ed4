/** What the connector relies on of a BatiSimply project, whatever else BatiSimply sends with it. */

export interface ProjectRef {
  id: number;
  projectCode?: string | null;
}

/**
 * The project kept up to date for each code. The earlier tool created duplicates; the oldest one
 * (lowest id) is the project workers already book hours on, so it is the one the connector keeps.
 */
export function oldestProjectPerCode<P extends ProjectRef>(projects: Iterable<P>, into: Map<string, P> = new Map()): Map<string, P> {
  for (const p of projects) {
    if (!p.projectCode) continue;
    const known = into.get(p.projectCode);
    if (!known || p.id <= known.id) into.set(p.projectCode, p);
  }
  return into;
}
