/** The BatiSimply project body built from a chantier: what the push sends and the audit compares. */
import type { ProjectBody } from './schemas.js';
import type { ChantierSource } from '../domain/chantier.js';

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
