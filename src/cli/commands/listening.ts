/** What the two commands that listen on a port (sandbox, serve) share: the port option, the stop, a busy port. */
import { InvalidArgumentError, type Command } from 'commander';

export function integerOption(min: number, max: number, what: string) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${what} : entier entre ${min} et ${max} attendu`);
    return n;
  };
}

/** The listening address options, with the command's own default port. */
export function listenOptions(command: Command, port: number): Command {
  return command
    .option('--port <n>', "port d'écoute", integerOption(0, 65535, 'port'), port)
    .option('--host <h>', "adresse d'écoute", '127.0.0.1');
}

export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

export function portInUse(error: unknown, port: number, what: string): string | null {
  if ((error as { code?: string }).code !== 'EADDRINUSE') return null;
  return `${what} : le port ${port} est déjà utilisé. Choisissez-en un autre avec --port <n> (0 : un port libre au hasard).`;
}

/** Starts a server; a busy port is said on stderr and gives null (the command then exits 3), any other error is thrown. */
export async function listenOn<T>(start: () => Promise<T>, port: number, what: string, err: (text: string) => void): Promise<T | null> {
  try {
    return await start();
  } catch (error) {
    const busy = portInUse(error, port, what);
    if (!busy) throw error;
    err(`${busy}\n`);
    return null;
  }
}
