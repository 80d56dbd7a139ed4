/**
 * chantierRules on its own: which codes are refused (and with which words), and the project body
 * built from a chantier, key by key. Written from the surviving mutants of sync/chantierRules.js:
 * a key that is present with `undefined` is not the same body as a key left out (a PUT overlays it).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chantier } from '../../support/chantiers.js';
import { type ChantierSource, CODE_CHANTIER_MAX, chantierProblem } from '../../../src/lib/domain/chantier.js';
import { toProjectBody } from '../../../src/lib/batisimply/projectBody.js';

describe('chantierProblem', () => {
  test('an empty code is refused', () => {
    assert.equal(chantierProblem({ code: '' }), 'Code chantier vide.');
  });

  test('a code of spaces is refused as empty', () => {
    assert.equal(chantierProblem({ code: '   ' }), 'Code chantier vide.');
  });

  test('a missing code (a row edited by hand) is refused as empty, not thrown', () => {
    assert.equal(chantierProblem({ code: undefined as unknown as string }), 'Code chantier vide.');
    assert.equal(chantierProblem({ code: null as unknown as string }), 'Code chantier vide.');
  });

  test('8 characters, the width of ChantierDef.Code, are accepted', () => {
    assert.equal(CODE_CHANTIER_MAX, 8);
    assert.equal(chantierProblem({ code: 'ABCDEFGH' }), null);
  });

  test('9 characters are refused, with the code and its length', () => {
    assert.equal(
      chantierProblem({ code: 'ABCDEFGHI' }),
      'Code chantier « ABCDEFGHI » trop long (9 caractères, 8 au plus dans Batigest) : refusé pour ne pas changer la clé.',
    );
  });

  test('spaces around an 8-character code do not count', () => {
    assert.equal(chantierProblem({ code: ' ABCDEFGH ' }), null);
  });
});

describe('toProjectBody', () => {
  test('a full chantier: every field, the headquarter and the address', () => {
    assert.deepEqual(toProjectBody(chantier('CH001'), 7), {
      projectCode: 'CH001',
      projectName: 'Chantier CH001',
      startEstimated: '2026-03-01',
      endEstimated: '2026-06-30',
      customerName: 'Client',
      hoursSold: 120,
      headQuarter: { id: 7 },
      address: {
        street: '1 rue de la Paix',
        postalCode: '34000',
        city: 'Montpellier',
        countryCode: 'FR',
        googleFormattedAddress: '1 rue de la Paix, 34000 Montpellier, France',
      },
    });
  });

  test('a geocoded point is sent with the address', () => {
    const body = toProjectBody(chantier('CH001'), 7, { xLon: 3.88, yLat: 43.61 });
    assert.deepEqual(body.address?.geoPoint, { xLon: 3.88, yLat: 43.61 });
  });

  const bare: Partial<ChantierSource> = {
    libelle: null,
    nomClient: null,
    dateDebut: null,
    dateFin: null,
    adrChantier: null,
    cpChantier: null,
    villeChantier: null,
    totalMo: null,
  };

  test('a bare chantier: named by its code, no optional key at all', () => {
    assert.deepEqual(toProjectBody(chantier('CH002', bare), undefined), {
      projectCode: 'CH002',
      projectName: 'CH002',
      startEstimated: null,
      endEstimated: null,
    });
  });

  test('an empty client name is not sent', () => {
    assert.equal('customerName' in toProjectBody(chantier('CH003', { nomClient: '' }), 7), false);
  });

  test('zero hours sold are sent as zero', () => {
    assert.equal(toProjectBody(chantier('CH004', { totalMo: 0 }), 7).hoursSold, 0);
  });

  test('a city alone makes an address of the city', () => {
    assert.deepEqual(toProjectBody(chantier('CH005', { ...bare, villeChantier: 'Sète' }), 7).address, {
      city: 'Sète',
      countryCode: 'FR',
      googleFormattedAddress: 'Sète, France',
    });
  });

  test('a postal code alone makes an address of the postal code', () => {
    assert.deepEqual(toProjectBody(chantier('CH006', { ...bare, cpChantier: '34200' }), 7).address, {
      postalCode: '34200',
      countryCode: 'FR',
      googleFormattedAddress: '34200, France',
    });
  });

  test('a street alone makes an address of the street', () => {
    assert.deepEqual(toProjectBody(chantier('CH007', { ...bare, adrChantier: '2 avenue Foch' }), 7).address, {
      street: '2 avenue Foch',
      countryCode: 'FR',
      googleFormattedAddress: '2 avenue Foch, France',
    });
  });

  test('empty address parts are left out like missing ones', () => {
    const body = toProjectBody(chantier('CH008', { ...bare, adrChantier: '', cpChantier: '', villeChantier: 'Agde' }), 7);
    assert.deepEqual(body.address, { city: 'Agde', countryCode: 'FR', googleFormattedAddress: 'Agde, France' });
  });

  test('no address part: no address, even with a geocoded point', () => {
    assert.equal('address' in toProjectBody(chantier('CH009', bare), 7, { xLon: 1, yLat: 2 }), false);
  });
});
