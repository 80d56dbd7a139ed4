/** Commander speaks English; operators read French. Its texts are configured or translated here. */
import type { Command } from 'commander';

const ERRORS: [RegExp, string][] = [
  [/^error: unknown command '(.*)'/, 'erreur : commande inconnue « $1 »'],
  [/^error: missing required argument '(.*)'/, 'erreur : argument obligatoire manquant « $1 »'],
  [/^error: unknown option '(.*)'/, 'erreur : option inconnue « $1 »'],
  [
    /^error: too many arguments for '(.*)'\. Expected (\d+) arguments? but got (\d+)\./,
    "erreur : trop d'arguments pour « $1 » ($2 attendu(s), $3 donné(s)).",
  ],
  [/^error: too many arguments\. Expected (\d+) arguments? but got (\d+)\./, "erreur : trop d'arguments ($1 attendu(s), $2 donné(s))."],
  [/^error: option '(.*)' argument missing/, "erreur : l'option « $1 » attend une valeur"],
  [/^error: option '(.*)' argument '(.*)' is invalid\./, 'erreur : option « $1 » : valeur « $2 » invalide :'],
  [/^error: command-argument value '(.*)' is invalid for argument '(.*)'\./, 'erreur : valeur « $1 » invalide pour « $2 » :'],
  [/^error: required option '(.*)' not specified/, 'erreur : option obligatoire « $1 » manquante'],
  [/\(Did you mean (.*)\?\)/, '(vouliez-vous dire $1 ?)'],
];

const HELP: [RegExp, string][] = [
  [/^Usage:/gm, 'Utilisation :'],
  [/^Options:/gm, 'Options :'],
  [/^Commands:/gm, 'Commandes :'],
  [/^Arguments:/gm, 'Arguments :'],
  // A long description wraps: the default may start on the next line.
  [/\(default:(\s+)([^)]*)\)/g, '(par défaut :$1$2)'],
  [/\[options\]/g, '[options]'],
  [/\[command\]/g, '[commande]'],
];

export function translateError(text: string): string {
  return text
    .split('\n')
    .map((line) => ERRORS.reduce((l, [re, fr]) => l.replace(re, fr), line))
    .join('\n');
}

export function translateHelp(text: string): string {
  return HELP.reduce((t, [re, fr]) => t.replace(re, fr), text);
}

/** French help and errors for a command and, through inheritance, its subcommands. */
export function frenchCommander(program: Command, write: { out(s: string): void; err(s: string): void }): Command {
  return program
    .helpOption('-h, --help', 'affiche cette aide')
    .helpCommand('help [commande]', "affiche l'aide d'une commande")
    .configureOutput({
      writeOut: (s) => write.out(translateHelp(s)),
      writeErr: (s) => write.err(translateHelp(s)),
      outputError: (s, w) => w(translateError(s)),
    })
    .showHelpAfterError("(« connecteur --help » pour l'aide)");
}
