/** How the dashboard and the CLI show an instant: in SYNC_TIMEZONE, French format (time.ts). */
export { frenchTime } from '../time.js';

/** The zone an operator reads times in: SYNC_TIMEZONE, or Paris while that setting is unreadable. */
export function operatorTimeZone(services: { timeZone(): string }): string {
  return services.timeZone();
}
