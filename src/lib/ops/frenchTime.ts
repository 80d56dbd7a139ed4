/** "28/11/2026 16:07:14" in the ERP's wall-clock zone: how the dashboard and the CLI show an instant. */
export function frenchTime(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat('fr-FR', { timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(d);
}

/** The zone an operator reads times in: SYNC_TIMEZONE, or Paris while that setting is unreadable. */
export function operatorTimeZone(services: { sync(): { SYNC_TIMEZONE: string } }): string {
  try {
    return services.sync().SYNC_TIMEZONE;
  } catch {
    return 'Europe/Paris';
  }
}
