/**
 * Ctrl+C (SIGINT) and SIGTERM for a command that runs jobs (`run`, `serve`): the first is said in
 * French and aborts the signal, so that a run under way ends between two batches, recorded
 * interrupted (« arrêt demandé »), and nothing new starts; a second ends the process at once
 * (the job locks and the ledger keep that safe), with the exit code of a stop.
 */
import { EXIT } from './exitCodes.js';

export interface StopRequest {
  readonly signal: AbortSignal;
  /** Resolves on the first request. */
  readonly requested: Promise<string>;
  dispose(): void;
}

export function onStopRequest(say: (text: string) => void, what: string): StopRequest {
  const controller = new AbortController();
  let resolve: (name: string) => void = () => {};
  const requested = new Promise<string>((r) => (resolve = r));
  const stop = (name: string) => {
    if (controller.signal.aborted) {
      say('Second arrêt demandé : fin immédiate.\n');
      process.exit(EXIT.stopped);
    }
    say(`Arrêt demandé (${name}) : ${what}\n`);
    controller.abort();
    resolve(name);
  };
  const onInt = () => stop('Ctrl+C');
  const onTerm = () => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    requested,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
