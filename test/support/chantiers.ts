import type { ChantierSource } from '../../src/lib/domain/chantier.js';

export function chantier(code: string, overrides: Partial<ChantierSource> = {}): ChantierSource {
  return {
    code,
    libelle: `Chantier ${code}`,
    nomClient: 'Client',
    dateDebut: '2026-03-01',
    dateFin: '2026-06-30',
    adrChantier: '1 rue de la Paix',
    cpChantier: '34000',
    villeChantier: 'Montpellier',
    etat: 'E',
    totalMo: 120,
    ...overrides,
  };
}
