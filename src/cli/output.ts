/**
 * What a CLI command writes on stderr while it works. In a terminal: readable log lines and a
 * progress bar (cli-progress) per step. Elsewhere (a pipe, a file, CI): one JSON line per event
 * and no redrawn progress. Debug lines only with --verbose. stdout carries only the result.
 */
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import { jsonLinesSink, type Level, type Sink } from '../lib/log.js';
import { frenchClock } from '../lib/time.js';

export interface Console {
  sink: Sink;
  progress(step: string, done: number, total: number): void;
  /** Stops the bars; the terminal is left on a fresh line. */
  stop(): void;
}

// Required on the first bar (synchronously, from `progress`): a pipe or a run with nothing to do never loads it.
const requireCjs = createRequire(import.meta.url);

const LEVEL_FR: Record<Level, string> = { debug: 'détail', info: 'info', warn: 'attention', error: 'erreur' };

/** `timeZone`: SYNC_TIMEZONE, the zone of every time an operator reads (not the machine's). */
export function cliConsole(options: { verbose: boolean; timeZone?: string; tty?: boolean; stream?: NodeJS.WriteStream }): Console {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? stream.isTTY === true;
  const keep = (level: Level) => options.verbose || level !== 'debug';
  if (!tty) {
    return {
      sink: (level, message, fields) => keep(level) && jsonLinesSink(level, message, fields),
      progress: () => {},
      stop: () => {},
    };
  }
  let bars: cliProgress.MultiBar | undefined;
  const perStep = new Map<string, cliProgress.SingleBar>();
  const line = (level: Level, message: string) => {
    const time = frenchClock(new Date(), options.timeZone ?? 'Europe/Paris');
    const text = `${time} ${LEVEL_FR[level].padEnd(9)} ${message}\n`;
    if (bars) bars.log(text);
    else stream.write(text);
  };
  return {
    sink: (level, message) => keep(level) && line(level, message),
    progress(step, done, total) {
      if (!bars) {
        const progressBars = requireCjs('cli-progress') as typeof cliProgress;
        bars = new progressBars.MultiBar(
          {
            stream,
            format: '{step} [{bar}] {value}/{total} ({percentage} %)',
            hideCursor: true,
            clearOnComplete: false,
            stopOnComplete: false,
          },
          progressBars.Presets.shades_classic,
        );
      }
      let bar = perStep.get(step);
      if (!bar) perStep.set(step, (bar = bars.create(total, 0, { step: step.padEnd(20) })));
      bar.setTotal(total);
      bar.update(done, { step: step.padEnd(20) });
    },
    stop() {
      bars?.stop();
      bars = undefined;
      perStep.clear();
    },
  };
}

/** One line for the operator on stderr: plain in a terminal, a JSON line otherwise. */
export function notice(level: Level, message: string, fields: Record<string, unknown> = {}, stream: NodeJS.WriteStream = process.stderr) {
  if (stream.isTTY) stream.write(`${message}\n`);
  else jsonLinesSink(level, message, fields);
}
