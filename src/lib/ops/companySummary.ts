/**
 * The dashboard's company choice: per company, its last success, the failures since and its held
 * hours, read over every company's schema on one connection (staging/acrossSchemas.ts), so that a
 * deployment of 200 companies answers at once and opens nothing per company.
 */
import { summariesAcross, type SchemaSummary } from '../staging/acrossSchemas.js';
import type { CompanyServices } from './runs.js';

export interface CompanySummary extends Omit<SchemaSummary, 'schema'> {
  company: string;
}

export async function companySummaries(companies: CompanyServices[]): Promise<CompanySummary[]> {
  if (companies.length === 0) return [];
  const companyOf = new Map(companies.map(({ company, services }) => [services.scope.schema, company]));
  const summaries = await summariesAcross(await companies[0]!.services.stagingReader(), [...companyOf.keys()]);
  return summaries.map(({ schema, ...s }) => ({ company: companyOf.get(schema)!, ...s }));
}
