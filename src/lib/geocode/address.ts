import type { ChantierSource } from '../domain/chantier.js';
/** A chantier's address as sent to the geocoder, and the key it is cached under. */

/** "1 rue de la Paix 34000 Montpellier", or null when there is nothing to place on a map. */
export function addressQuery(c: Pick<ChantierSource, 'adrChantier' | 'cpChantier' | 'villeChantier'>): string | null {
  const parts = [c.adrChantier, c.cpChantier, c.villeChantier].map((p) => p?.replace(/\s+/g, ' ').trim() ?? '').filter(Boolean);
  // A street alone could be anywhere in France: a postcode or a town is needed.
  if (!c.cpChantier?.trim() && !c.villeChantier?.trim()) return null;
  return parts.join(' ');
}

/**
 * The cache key: case, accents, punctuation and spacing do not change an address, so
 * "1, Rue de l'Étang" and "1 rue de l etang" are geocoded once.
 */
export function addressKey(query: string): string {
  return query
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
