/**
 * The agent as a Windows service, through WinSW (github.com/winsw/winsw, v2.12, MIT: the service
 * wrapper Jenkins ships). A Node process cannot answer the Service Control Manager itself: WinSW
 * does, starts `connecteur.exe agent …`, sends it Ctrl+C on stop (the agent ends its step and
 * records it interrupted), restarts it after a crash, and keeps its output in rolling log files.
 * WinSW reads `<name>.xml` beside its own `<name>.exe`: this module writes that file and calls it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../errors.js';
import type { AgentRole } from './plan.js';

export const SERVICE_ID = 'connecteur-agent';
export const SERVICE_COMMANDS = ['install', 'uninstall', 'start', 'stop', 'restart', 'status'] as const;
export type ServiceCommand = (typeof SERVICE_COMMANDS)[number];

export interface ServiceDefinition {
  /** WinSW's executable; its XML goes beside it, under the same name. */
  winsw: string;
  /** What the service runs: the single executable, or node with the CLI's script. */
  executable: string;
  leadingArguments: readonly string[];
  role: AgentRole;
  /** Settings (local.settings.json) and logs live here. */
  directory: string;
  /** `DOMAINE\\utilisateur`; unset: NT AUTHORITY\\LocalService (outbound connections only, no local rights). */
  account?: string;
  password?: string;
}

const xmlText = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** A command-line argument as Windows' parser reads it back. */
const windowsArg = (arg: string) => (/^[^\s"]+$/.test(arg) ? arg : `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`);

function accountXml(account: string | undefined, password: string | undefined): string {
  const [domain, user] = account ? (account.includes('\\') ? account.split('\\', 2) : ['.', account]) : ['NT AUTHORITY', 'LocalService'];
  const parts = [`<domain>${xmlText(domain!)}</domain>`, `<user>${xmlText(user!)}</user>`];
  if (password !== undefined) parts.push(`<password>${xmlText(password)}</password>`, '<allowservicelogon>true</allowservicelogon>');
  return `<serviceaccount>${parts.join('')}</serviceaccount>`;
}

/** WinSW's configuration. The password, when given, is in it only for `install` (see installService). */
export function serviceXml(def: ServiceDefinition, withPassword: boolean): string {
  const args = [...def.leadingArguments, 'agent', '--role', def.role].map(windowsArg).join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by « connecteur agent service install »: change the role or account by installing again. -->
<service>
  <id>${SERVICE_ID}</id>
  <name>Connecteur SAGES — agent sur site (${def.role})</name>
  <description>Batigest ⇄ BatiSimply : exécute les étapes qui touchent Batigest selon CHANTIERS_SCHEDULE et HEURES_SCHEDULE.</description>
  <executable>${xmlText(def.executable)}</executable>
  <arguments>${xmlText(args)}</arguments>
  <workingdirectory>${xmlText(def.directory)}</workingdirectory>
  <startmode>Automatic</startmode>
  <delayedAutoStart>true</delayedAutoStart>
  <!-- Ctrl+C first: the agent ends its step between two batches and records it interrupted. -->
  <stoptimeout>120 sec</stoptimeout>
  <onfailure action="restart" delay="30 sec"/>
  <onfailure action="restart" delay="2 min"/>
  <resetfailure>1 hour</resetfailure>
  <logpath>${xmlText(path.join(def.directory, 'logs'))}</logpath>
  <log mode="roll-by-size"><sizeThreshold>10240</sizeThreshold><keepFiles>10</keepFiles></log>
  ${accountXml(def.account, withPassword ? def.password : undefined)}
</service>
`;
}

function configPath(winsw: string): string {
  return path.join(path.dirname(winsw), `${path.basename(winsw, path.extname(winsw))}.xml`);
}

function winsw(def: Pick<ServiceDefinition, 'winsw'>, command: ServiceCommand): number {
  const run = spawnSync(def.winsw, [command], { stdio: 'inherit', windowsHide: true });
  if (run.error)
    throw new ConfigurationError(`WinSW introuvable ou illisible (${def.winsw}) : ${run.error.message}`, {
      code: 'WINSW_FAILED',
      cause: run.error,
    });
  return run.status ?? 1;
}

/** install, uninstall, start, stop, restart, status: WinSW's own commands, after writing its configuration for install. */
export function serviceCommand(def: ServiceDefinition, command: ServiceCommand): number {
  if (process.platform !== 'win32') {
    throw new ConfigurationError(
      'Service Windows : cette commande ne sert que sous Windows (sous Linux, voir deploy/systemd/connecteur-agent.service).',
      {
        code: 'BAD_INPUT',
      },
    );
  }
  if (!existsSync(def.winsw)) {
    throw new ConfigurationError(
      `WinSW introuvable : ${def.winsw}. Copiez WinSW-x64.exe (v2.12) à côté de connecteur.exe sous le nom connecteur-service.exe, ou donnez --winsw <chemin>.`,
      { code: 'WINSW_MISSING' },
    );
  }
  if (command !== 'install') return winsw(def, command);
  writeFileSync(configPath(def.winsw), serviceXml(def, true), 'utf8');
  try {
    return winsw(def, 'install');
  } finally {
    // Windows keeps the account's password once the service is installed: it does not stay on disk.
    if (def.password !== undefined) writeFileSync(configPath(def.winsw), serviceXml(def, false), 'utf8');
  }
}
