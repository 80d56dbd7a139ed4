/** GET /api/audit: the reconciliation audit, JSON (or `?format=csv`), for a window `?from=&to=`. Read-only. */
import type { HttpFunctionOptions, HttpRequest } from '@azure/functions';
import { ConfigurationError } from '../../lib/errors.js';
import { errorResponse, json, type HandlerDeps } from './http.js';

export function auditHandlers(deps: HandlerDeps) {
  async function auditHandler(request: HttpRequest) {
    try {
      const format = request.query.get('format') ?? 'json';
      if (format !== 'json' && format !== 'csv')
        throw new ConfigurationError(`Paramètre format invalide : « ${format} » (json ou csv attendu).`, { code: 'BAD_INPUT' });
      // The audit's modules load with its first request, not with the route.
      const [{ runAudit }, { formatAuditCsv }] = await Promise.all([
        import('../../lib/audit/runAudit.js'),
        import('../../lib/audit/format.js'),
      ]);
      // `?company=`: with a single company it may be left out.
      const report = await runAudit(
        deps.directory.get(request.query.get('company')),
        { from: request.query.get('from') ?? undefined, to: request.query.get('to') ?? undefined },
        (bound) => `paramètre ${bound}`,
      );
      if (format === 'json') return json(200, report);
      return {
        status: 200,
        body: `\uFEFF${formatAuditCsv(report)}`,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="audit-${report.window.from}-${report.window.to}.csv"`,
        },
      };
    } catch (error) {
      return errorResponse(error);
    }
  }

  const auditFunctions: Record<string, HttpFunctionOptions> = {
    audit: { methods: ['GET'], authLevel: 'function', route: 'audit', handler: auditHandler },
  };

  return { auditHandler, auditFunctions };
}
