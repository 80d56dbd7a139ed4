/** Operator routes: GET /api/status, GET /api/dashboard, POST /api/connect-{sqlserver,postgres,batisimply}. */
import type { HttpFunctionOptions, HttpRequest } from '@azure/functions';
import { ConfigurationError } from '../../lib/errors.js';
import type { System } from '../../lib/ops/checks.js';
import { errorResponse, json, readJsonBody, type HandlerDeps } from './http.js';

const wantsCheck = (request: HttpRequest) => request.query.get('check') === 'true';
// The operator modules (and the drivers the checks open) load on the first request, not with the routes.
const ops = {
  status: () => import('../../lib/ops/status.js'),
  dashboard: () => import('../../lib/ops/dashboard.js'),
  charts: () => import('../../lib/ops/charts.js'),
  companySummary: () => import('../../lib/ops/companySummary.js'),
  guide: () => import('../../lib/ops/guide.js'),
  checks: () => import('../../lib/ops/checks.js'),
};

export function operatorHandlers(deps: HandlerDeps) {
  /** `?company=`; with a single company it may be left out. */
  const servicesOf = (request: HttpRequest) => deps.directory.get(request.query.get('company'));

  async function statusHandler(request: HttpRequest) {
    try {
      const { gatherStatus } = await ops.status();
      return json(200, await gatherStatus(servicesOf(request), { checkConnections: wantsCheck(request) }));
    } catch (error) {
      return errorResponse(error);
    }
  }

  /** HTML, also when something stops it: a browser asking for the dashboard never gets raw JSON. */
  function html(status: number, body: string) {
    return {
      status,
      body,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        // Inline script and style only: nothing is loaded from elsewhere.
        'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        'x-content-type-options': 'nosniff',
      },
    };
  }

  async function dashboardHandler(request: HttpRequest) {
    const { dashboardTimeZone, renderCompanyChoice, renderDashboard, renderDashboardError } = await ops.dashboard();
    let companies: string[] | undefined;
    const company = request.query.get('company') ?? undefined;
    try {
      companies = deps.directory.companies().map((c) => c.name);
      if (!company && companies.length > 1) {
        const { companySummaries } = await ops.companySummary();
        const all = deps.directory.select();
        // The summary helps the choice: a page without it beats no page.
        const summaries = await companySummaries(all).catch(() => undefined);
        return html(200, renderCompanyChoice(companies, summaries, dashboardTimeZone(all[0]!.services)));
      }
      const services = servicesOf(request);
      const [{ gatherStatus }, { gatherCharts }] = await Promise.all([ops.status(), ops.charts()]);
      const [status, charts] = await Promise.all([
        gatherStatus(services, { checkConnections: wantsCheck(request) }),
        // The pictures are a reading aid: a page without them beats no page.
        gatherCharts(services).catch(() => undefined),
      ]);
      return html(200, renderDashboard(status, { timeZone: dashboardTimeZone(services), charts, companies, company }));
    } catch (error) {
      const answer = errorResponse(error);
      const message = (answer.jsonBody as { message: string }).message;
      return html(answer.status ?? 500, renderDashboardError(message, { companies, company }));
    }
  }

  /** GET /api/guide: the operators' guide (docs/guide.md), every code the connector prints explained. */
  async function guideHandler() {
    try {
      const { renderGuide } = await ops.guide();
      const page = await renderGuide();
      return page === null
        ? json(404, { code: 'NOT_FOUND', message: 'Guide introuvable (docs/guide.md absent du paquet).' })
        : html(200, page);
    } catch (error) {
      return errorResponse(error);
    }
  }

  function connectHandler(system: System) {
    return async (request: HttpRequest) => {
      try {
        const body = await readJsonBody(request);
        if (body.save !== undefined && typeof body.save !== 'boolean') {
          throw new ConfigurationError('Champ save invalide : booléen attendu.', { code: 'BAD_INPUT' });
        }
        const s = servicesOf(request);
        if (body.save && s.secrets.kind !== 'keyvault') {
          throw new ConfigurationError('Enregistrement impossible : aucun coffre Key Vault configuré (KEY_VAULT_URL).', {
            code: 'KEYVAULT_NOT_CONFIGURED',
          });
        }
        const { testConnection } = await ops.checks();
        const result = await testConnection(s, system, body, body.save === true);
        return json(result.ok ? 200 : 502, result);
      } catch (error) {
        return errorResponse(error);
      }
    };
  }

  const operatorFunctions: Record<string, HttpFunctionOptions> = {
    status: { methods: ['GET'], authLevel: 'function', route: 'status', handler: statusHandler },
    dashboard: { methods: ['GET'], authLevel: 'function', route: 'dashboard', handler: dashboardHandler },
    guide: { methods: ['GET'], authLevel: 'function', route: 'guide', handler: guideHandler },
    'connect-sqlserver': { methods: ['POST'], authLevel: 'function', route: 'connect-sqlserver', handler: connectHandler('sqlserver') },
    'connect-postgres': { methods: ['POST'], authLevel: 'function', route: 'connect-postgres', handler: connectHandler('postgres') },
    'connect-batisimply': { methods: ['POST'], authLevel: 'function', route: 'connect-batisimply', handler: connectHandler('batisimply') },
  };

  return { statusHandler, dashboardHandler, guideHandler, connectHandler, operatorFunctions };
}
