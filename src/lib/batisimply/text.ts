/** What BatiSimply's messages quote of an answer or a server: short, and masked of secrets. */
import { redact } from '../log.js';

const SNIPPET = 200;

/** A short excerpt of an upstream body, masked before it is cut so no part of a secret survives. */
export function snippet(text: string): string {
  const flat = redact(text).replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat;
}

/** host:port of a URL, for messages about a server that could not be reached. */
export function hostPort(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return url;
  }
}
