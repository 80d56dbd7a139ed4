/**
 * POST /api/chantiers/{code}/renvoyer and POST /api/heures/{id}/renvoyer: the audit's remedies as
 * the dashboard's buttons, the twins of `connecteur chantiers renvoyer` and `connecteur heures renvoyer`.
 */
import type { HttpFunctionOptions, HttpRequest } from '@azure/functions';
import type { ResendKind } from '../../lib/domain/resend.js';
import { errorResponse, json, type HandlerDeps } from './http.js';

export function resendHandlers(deps: HandlerDeps) {
  function resendHandler(kind: ResendKind) {
    return async (request: HttpRequest) => {
      try {
        const key = kind === 'chantier' ? request.params.code : request.params.id;
        const { resend, describeResend } = await import('../../lib/ops/resend.js');
        const outcome = await resend(deps.directory.get(request.query.get('company')), kind, [key ?? '']);
        if (outcome.unknown.length > 0) return json(404, { code: 'NOT_FOUND', message: describeResend(outcome), ...outcome });
        return json(200, { ...outcome, message: describeResend(outcome) });
      } catch (error) {
        return errorResponse(error);
      }
    };
  }

  const resendFunctions: Record<string, HttpFunctionOptions> = {
    'chantier-resend': { methods: ['POST'], authLevel: 'function', route: 'chantiers/{code}/renvoyer', handler: resendHandler('chantier') },
    'heure-resend': { methods: ['POST'], authLevel: 'function', route: 'heures/{id}/renvoyer', handler: resendHandler('heure') },
  };

  return { resendHandler, resendFunctions };
}
