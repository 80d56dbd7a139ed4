/**
 * The commands of `connecteur`, in the order of its help. A command is a file of this folder that
 * registers itself on the program with what it needs from the context; adding one is an entry here.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { agentCommand } from './agent.js';
import { auditCommand } from './audit.js';
import { checkCommand } from './check.js';
import { companiesCommand } from './companies.js';
import { migrateCommand } from './migrate.js';
import { chantiersCommand, heuresCommand } from './resend.js';
import { runCommand } from './run.js';
import { sandboxCommand } from './sandbox.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  migrateCommand,
  checkCommand,
  runCommand,
  statusCommand,
  auditCommand,
  chantiersCommand,
  heuresCommand,
  companiesCommand,
  sandboxCommand,
  serveCommand,
  agentCommand,
];
