#!/usr/bin/env node
// Run before `npm start`: says at once, in French, when Azure Functions Core Tools (`func`) is
// missing, instead of building for seconds and then failing with "func: not found".
import { spawnSync } from 'node:child_process';

const probe = spawnSync('func', ['--version'], { encoding: 'utf8', shell: process.platform === 'win32' });
if (probe.error || probe.status !== 0) {
  const why = probe.error ? `introuvable (${probe.error.code ?? probe.error.message})` : `ne répond pas (code ${probe.status})`;
  process.stderr.write(
    [
      `Azure Functions Core Tools (commande « func ») ${why}.`,
      'Son installation par npm télécharge un binaire, ce qui échoue sans accès Internet (npm l\'ignore alors en silence).',
      'Au choix :',
      '  • installez les Core Tools v4 : https://learn.microsoft.com/azure/azure-functions/functions-run-local',
      '    (par exemple « npm install -g azure-functions-core-tools@4 » sur une machine connectée) ;',
      '  • ou, sans func, le même tableau de bord et les mêmes routes : « npm run build && node bin/connecteur.js serve ».',
      'N\'utilisez pas « npx func » : ce nom désigne un autre paquet.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
