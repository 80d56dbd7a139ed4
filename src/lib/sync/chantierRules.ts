/** What Batigest and BatiSimply accept of a chantier, and the project body built from it. */
import type { ProjectBody } from '../batisimply/schemas.js';
import type { ChantierSource } from '../staging/chantiers.js';

/** ChantierDef.Code is 8 characters: a longer code cannot be a Batigest chantier, so it is refused, never cut. */
export const CODE_CHANTIER_MAX = 8;

export function chantierProblem(c: Pick<ChantierSource, 'code'>): string | null {
  const code = c.code?.trim() ?? '';
  if (code === '') return 'Code chantier vide.';
  if (code.length > CODE_CHANTIER_MAX) {
    return `Code chantier « ${code} » trop long (${code.length} caractères, ${CODE_CHANTIER_MAX} au plus dans Batigest) : refusé pour ne pas changer la clé.`;
  }
  return null;
}

/** `geoPoint`: the geocoded point of the address, given only when its score reached the threshold. */
export function toProjectBody(
  c: ChantierSource,
  headQuarterId: number | undefined,
  geoPoint?: { xLon: number; yLat: number },
): ProjectBody {
  const body: ProjectBody = {
    projectCode: c.code,
    projectName: c.libelle ?? c.code,
    startEstimated: c.dateDebut,
    endEstimated: c.dateFin,
  };
  if (c.nomClient) body.customerName = c.nomClient;
  if (c.totalMo !== null) body.hoursSold = c.totalMo;
  if (headQuarterId !== undefined) body.headQuarter = { id: headQuarterId };
  if (c.adrChantier || c.cpChantier || c.villeChantier) {
    const cityLine = [c.cpChantier, c.villeChantier].filter(Boolean).join(' ');
    body.address = {
      ...(c.adrChantier ? { street: c.adrChantier } : {}),
      ...(c.cpChantier ? { postalCode: c.cpChantier } : {}),
      ...(c.villeChantier ? { city: c.villeChantier } : {}),
      countryCode: 'FR',
      googleFormattedAddress: [c.adrChantier, cityLine, 'France'].filter(Boolean).join(', '),
      ...(geoPoint ? { geoPoint } : {}),
    };
  }
  return body;
}
