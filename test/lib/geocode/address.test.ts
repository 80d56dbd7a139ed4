/** The geocoder's query text and cache key of a chantier's address (pure functions, no I/O). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressKey, addressQuery } from '../../../src/lib/geocode/address.js';

describe('addressQuery: the text sent to the geocoder', () => {
  test('street, postcode and town, spacing collapsed and trimmed', () => {
    assert.equal(
      addressQuery({ adrChantier: '  1   rue\tde la Paix ', cpChantier: ' 34000 ', villeChantier: 'Montpellier  ' }),
      '1 rue de la Paix 34000 Montpellier',
    );
  });
  test('a postcode alone or a town alone is enough; missing parts are left out', () => {
    assert.equal(addressQuery({ adrChantier: null, cpChantier: '34000', villeChantier: null }), '34000');
    assert.equal(addressQuery({ adrChantier: '', cpChantier: '  ', villeChantier: 'Rodez' }), 'Rodez');
    assert.equal(addressQuery({ adrChantier: '2 place du Marché', cpChantier: null, villeChantier: 'Rodez' }), '2 place du Marché Rodez');
  });
  test('a street without postcode or town (or with blank ones) is not placed', () => {
    assert.equal(addressQuery({ adrChantier: '1 rue de la Paix', cpChantier: null, villeChantier: null }), null);
    assert.equal(addressQuery({ adrChantier: '1 rue de la Paix', cpChantier: ' ', villeChantier: '\t' }), null);
    assert.equal(addressQuery({ adrChantier: null, cpChantier: null, villeChantier: null }), null);
  });
});

describe('addressKey: one key per address whatever its spelling', () => {
  test('case, accents, punctuation and spacing do not count', () => {
    assert.equal(addressKey("1, Rue de l'Étang"), '1 rue de l etang');
    assert.equal(addressKey('1 rue de l etang'), '1 rue de l etang');
    assert.equal(addressKey('  ÎLE-DE-FRANCE, 75001 — Paris!  '), 'ile de france 75001 paris');
  });
});
