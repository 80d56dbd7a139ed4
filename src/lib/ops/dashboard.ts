/** The operator's page (dashboard/page.ts and its parts), and the zone it shows times in. */
import { operatorTimeZone } from './frenchTime.js';

export { frenchTime } from './frenchTime.js';
export { renderCompanyChoice, renderDashboard, renderDashboardError, type DashboardOptions } from './dashboard/page.js';

/** The zone the dashboard shows times in: SYNC_TIMEZONE, or Paris while that setting is unreadable. */
export const dashboardTimeZone = operatorTimeZone;
