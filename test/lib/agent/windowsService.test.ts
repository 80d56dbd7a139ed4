/** WinSW's configuration as `agent service install` writes it (the service itself runs in the Windows workflow). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigurationError } from '../../../src/lib/errors.js';
import { serviceCommand, serviceXml, type ServiceDefinition } from '../../../src/lib/agent/windowsService.js';

const def: ServiceDefinition = {
  winsw: 'C:\\Connecteur\\connecteur-service.exe',
  executable: 'C:\\Connecteur\\connecteur.exe',
  leadingArguments: [],
  role: 'batigest',
  directory: 'C:\\Connecteur',
};

test('the single executable, its role, its folder, LocalService by default, Ctrl+C then 120 s', () => {
  const xml = serviceXml(def, true);
  assert.match(xml, /<id>connecteur-agent<\/id>/);
  assert.match(xml, /<executable>C:\\Connecteur\\connecteur\.exe<\/executable>/);
  assert.match(xml, /<arguments>agent --role batigest<\/arguments>/);
  assert.match(xml, /<workingdirectory>C:\\Connecteur<\/workingdirectory>/);
  assert.match(xml, /<serviceaccount><domain>NT AUTHORITY<\/domain><user>LocalService<\/user><\/serviceaccount>/);
  assert.match(xml, /<stoptimeout>120 sec<\/stoptimeout>/);
  assert.match(xml, /<log mode="roll-by-size">/);
});

test('node with the CLI script in a folder with spaces: quoted as Windows reads arguments back', () => {
  const xml = serviceXml(
    { ...def, executable: 'C:\\Program Files\\nodejs\\node.exe', leadingArguments: ['C:\\Mes outils\\bin\\connecteur.js'], role: 'all' },
    true,
  );
  assert.match(xml, /<arguments>&quot;C:\\Mes outils\\bin\\connecteur\.js&quot; agent --role all<\/arguments>/);
});

test('an account with its password: in the file for install only, never after', () => {
  const withAccount = { ...def, account: 'BTP\\svc-connecteur', password: 'S3cret<&>' };
  assert.match(
    serviceXml(withAccount, true),
    /<domain>BTP<\/domain><user>svc-connecteur<\/user><password>S3cret&lt;&amp;&gt;<\/password><allowservicelogon>true<\/allowservicelogon>/,
  );
  assert.doesNotMatch(serviceXml(withAccount, false), /S3cret|<password>/);
});

test('without Windows (or without WinSW beside the executable): refused, saying where to look', () => {
  // Here (Linux) the systemd unit is named; on Windows, the missing WinSW is.
  assert.throws(
    () => serviceCommand(def, 'install'),
    (e: Error) => e instanceof ConfigurationError && /deploy\/systemd\/connecteur-agent\.service|WinSW introuvable/.test(e.message),
  );
});
