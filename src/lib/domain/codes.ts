/**
 * Every code the connector prints (errors, failed and held records, warnings, audit findings,
 * HTTP answers), each once, with what it means and what to do, in the operators' French. The
 * errors and reports are typed by this list (a code missing here does not compile), the exit
 * codes read its families, and the guide's table (docs/guide.md) is generated from it.
 */
import { HOLD_ACTIONS, type HoldCode } from './holds.js';

/** What a code is about; also the CLI's exit code for a run stopped by it (configuration 2, unreachable 3). */
export type CodeFamily = 'réglage' | 'indisponible' | 'exécution' | 'enregistrement' | 'retenue' | 'avertissement' | 'audit' | 'http';

export interface CodeEntry {
  family: CodeFamily;
  /** What happened, in one sentence. */
  meaning: string;
  /** What the operator does about it. */
  remedy: string;
}

const entry = <F extends CodeFamily>(family: F, meaning: string, remedy: string) => ({ family, meaning, remedy });

const HEURES = 'puis lancez « connecteur run heures »';

const HOLD_MEANINGS: Readonly<Record<HoldCode, string>> = {
  CHANTIER_NON_RESOLU:
    'Le créneau ne porte aucun code chantier connu (projet sans code, ou aucun projet) : il ne peut pas aller dans SuiviMO.',
  CODE_CHANTIER_TROP_LONG: 'Le code chantier du projet dépasse la largeur de la colonne de SuiviMO.',
  SALARIE_INCONNU: 'Aucun salarié de Batigest n’a pour CodeBS l’identifiant BatiSimply de la personne du créneau.',
  SALARIE_AMBIGU: 'Plusieurs salariés de Batigest ont le même CodeBS : le connecteur ne choisit pas à votre place.',
  CRENEAU_INCOMPLET: 'Le créneau validé n’a pas de date de début ou pas de durée.',
  CONFLIT_SUIVIMO:
    'SuiviMO a déjà, à la clé où le connecteur écrirait, une ligne qu’il n’a pas écrite (ou sa ligne a été modifiée à la main).',
};

const holdEntries = Object.fromEntries(
  (Object.keys(HOLD_MEANINGS) as HoldCode[]).map((code) => [code, entry('retenue', HOLD_MEANINGS[code], HOLD_ACTIONS[code])]),
) as Record<HoldCode, CodeEntry>;

/** The codes that name themselves: one entry each. */
export const CODES = {
  // Settings and operator input: someone must change a setting (exit 2).
  CONFIG_INVALID: entry(
    'réglage',
    'Un réglage manque ou a une valeur invalide ; le message le nomme.',
    'Corrigez le réglage nommé (environnement, local.settings.json ou paramètres de l’application Azure), puis relancez. « connecteur check » les vérifie tous.',
  ),
  RUN_BY_AGENT: entry(
    'réglage',
    'Avec BATIGEST_ACCESS=agent, ce job lit ou écrit Batigest : c’est l’agent sur site qui l’exécute ; le côté cloud le passe dans ses enchaînements (« exécuté par l’agent sur site ») et le refuse demandé seul.',
    'Lancez-le sur la machine de l’agent (connecteur run <job>), ou l’enchaînement chantiers ou heures ici ; « connecteur status » montre quand l’agent a été vu.',
  ),
  CONFIG_SCHEMA_MISMATCH: entry(
    'réglage',
    'L’agent sur site et le schéma de staging n’ont pas la même version (un côté a été mis à jour avant l’autre) : l’agent n’exécute rien.',
    'Mettez à jour l’agent (schéma plus récent) ou le côté cloud (schéma plus ancien : déploiement, ou connecteur migrate) ; le message dit quelles versions diffèrent.',
  ),
  WINSW_MISSING: entry(
    'réglage',
    'WinSW, l’enveloppe de service Windows, n’est pas à côté de connecteur.exe (ou la commande de service est lancée hors de Windows).',
    'Copiez WinSW-x64.exe (v2.12) sous le nom connecteur-service.exe à côté de connecteur.exe, ou donnez --winsw <chemin> ; sous Linux, utilisez deploy/systemd/connecteur-agent.service.',
  ),
  WINSW_FAILED: entry(
    'réglage',
    'WinSW n’a pas pu être lancé pour installer ou piloter le service.',
    'Lancez la commande dans une console administrateur ; vérifiez que connecteur-service.exe est bien WinSW (v2.12).',
  ),
  CONFIG_LOCAL_SETTINGS: entry(
    'réglage',
    'Le fichier local.settings.json du dossier courant est illisible (JSON mal formé) ; le message donne la ligne.',
    'Corrigez le fichier à la ligne indiquée (une virgule ou un guillemet manque souvent), ou partez de local.settings.json.example.',
  ),
  CONFIG_HEADQUARTER: entry(
    'réglage',
    'BATISIMPLY_HEADQUARTER_ID manque : le connecteur ne sait pas à quelle agence rattacher un nouveau projet.',
    'Renseignez BATISIMPLY_HEADQUARTER_ID (l’agence BatiSimply des chantiers), puis lancez « connecteur run chantiers ».',
  ),
  COMPANY_REQUIRED: entry(
    'réglage',
    'Plusieurs sociétés sont configurées (COMPANIES) et la commande ne dit pas laquelle.',
    'Ajoutez --company <nom> à la commande (ou ?company=<nom> à la route HTTP) ; « connecteur companies » les liste.',
  ),
  BAD_INPUT: entry(
    'réglage',
    'Une option de la commande ou un paramètre de la requête est invalide ; le message le nomme.',
    'Corrigez la valeur nommée (« connecteur help <commande> » donne les options).',
  ),
  KEYVAULT_NOT_CONFIGURED: entry(
    'réglage',
    'Un secret devait être enregistré dans Key Vault, mais aucun coffre n’est configuré.',
    'Renseignez KEY_VAULT_URL, ou enregistrez le secret dans les réglages.',
  ),
  STAGING_DATABASE_MISSING: entry(
    'réglage',
    'La base de staging nommée par STAGING_DATABASE_URL n’existe pas sur le serveur PostgreSQL.',
    'Créez-la (la commande createdb est dans le message), puis lancez « connecteur migrate ».',
  ),
  STAGING_TLS: entry(
    'réglage',
    'Le serveur PostgreSQL de staging refuse la connexion chiffrée demandée (sslmode).',
    'Ajustez sslmode dans STAGING_DATABASE_URL à ce que le serveur accepte (require pour Azure).',
  ),
  STAGING_LOGIN_FAILED: entry(
    'réglage',
    'Le serveur PostgreSQL de staging refuse l’utilisateur ou le mot de passe de STAGING_DATABASE_URL.',
    'Corrigez l’utilisateur ou le mot de passe de STAGING_DATABASE_URL (ou le secret staging-database-url), ou l’accès dans pg_hba.conf.',
  ),
  BATIGEST_LOGIN_FAILED: entry(
    'réglage',
    'SQL Server refuse l’identifiant ou le mot de passe de Batigest.',
    'Corrigez BATIGEST_SQL_USER et BATIGEST_SQL_PASSWORD (ou le secret batigest-sql-password), puis « connecteur check ».',
  ),
  BATISIMPLY_LOGIN_FAILED: entry(
    'réglage',
    'Le serveur d’authentification de BatiSimply (Keycloak) refuse le compte ou le client ; le message nomme les réglages en cause.',
    'Corrigez BATISIMPLY_USERNAME et BATISIMPLY_PASSWORD (compte refusé), ou BATISIMPLY_CLIENT_ID et BATISIMPLY_CLIENT_SECRET (client refusé), puis « connecteur check ».',
  ),
  BATISIMPLY_TOKEN_URL_INVALID: entry(
    'réglage',
    'BATISIMPLY_TOKEN_URL ne mène pas au point d’accès des jetons de BatiSimply (le serveur répond 404).',
    'Corrigez BATISIMPLY_TOKEN_URL : https://sso.batisimply.fr/auth/realms/jhipster/protocol/openid-connect/token en production.',
  ),
  BATISIMPLY_API_URL_INVALID: entry(
    'réglage',
    'BATISIMPLY_API_URL ne mène pas à l’API de BatiSimply (une liste connue répond 404).',
    'Corrigez BATISIMPLY_API_URL : https://api.batisimply.fr en production (sans /api à la fin).',
  ),
  SEED_INVALID: entry(
    'réglage',
    'Le fichier de départ du bac à sable est mal formé ; le message nomme le champ.',
    'Corrigez le champ nommé (examples/sandbox-seed.json sert de modèle).',
  ),
  SEED_UNREADABLE: entry(
    'réglage',
    'Le fichier de départ du bac à sable est introuvable ou illisible.',
    'Vérifiez le chemin donné à --seed.',
  ),

  // Outside systems that could not be reached or answered something unusable: trying later may work (exit 3).
  STAGING_UNREACHABLE: entry(
    'indisponible',
    'Le serveur PostgreSQL de staging ne répond pas (arrêté, adresse ou port faux, pare-feu, DNS).',
    'Vérifiez que le serveur tourne et accepte les connexions depuis cette machine, puis relancez.',
  ),
  STAGING_VERROU_PERDU: entry(
    'indisponible',
    'La connexion de staging qui tenait le verrou du job a été coupée (redémarrage, bascule, pg_terminate_backend) : l’exécution s’est arrêtée à l’étape suivante, enregistrée interrompue, pour ne pas chevaucher une autre exécution.',
    'Rien à faire si le serveur répond de nouveau : la prochaine exécution reprend où les données en sont, sans rien écrire deux fois.',
  ),
  STAGING_ERROR: entry(
    'indisponible',
    'La base de staging a refusé une requête ; le message donne sa raison.',
    'Lisez la raison ; « connecteur migrate » remet le schéma à jour s’il en manque une partie.',
  ),
  STAGING_LOCKED: entry(
    'indisponible',
    'Le dossier de la base de staging embarquée est utilisé par un autre processus (nommé dans le message).',
    'Arrêtez ce processus (souvent « connecteur serve »), ou utilisez un serveur PostgreSQL (STAGING_DATABASE_URL).',
  ),
  BATIGEST_UNREACHABLE: entry(
    'indisponible',
    'Le SQL Server de Batigest ne répond pas (serveur arrêté, nom ou port faux, VPN coupé).',
    'Vérifiez BATIGEST_SQL_SERVER et BATIGEST_SQL_PORT et que le serveur est joignable d’ici (« connecteur check » dit à quelle étape).',
  ),
  BATIGEST_SQL_ERROR: entry(
    'indisponible',
    'SQL Server a refusé une requête du connecteur ; le message donne sa raison.',
    'Lisez la raison (droits du compte, table absente) ; BATIGEST_SQL_SCHEMA doit nommer le schéma des tables Batigest.',
  ),
  BATISIMPLY_UNREACHABLE: entry(
    'indisponible',
    'L’API de BatiSimply ne répond pas (réseau, panne, délai dépassé après les nouvelles tentatives).',
    'Relancez plus tard ; si cela dure, vérifiez BATISIMPLY_API_URL et l’accès à Internet de la machine.',
  ),
  BATISIMPLY_SSO_UNREACHABLE: entry(
    'indisponible',
    'Le serveur d’authentification de BatiSimply ne répond pas.',
    'Relancez plus tard ; si cela dure, vérifiez BATISIMPLY_TOKEN_URL et l’accès à Internet de la machine.',
  ),
  BATISIMPLY_SSO_BAD_RESPONSE: entry(
    'indisponible',
    'Le serveur d’authentification de BatiSimply a répondu autre chose qu’un jeton (panne, page d’erreur d’un proxy).',
    'Relancez plus tard ; le début de la réponse est dans le message.',
  ),
  BATISIMPLY_BAD_RESPONSE: entry(
    'indisponible',
    'BatiSimply a répondu autre chose que le JSON attendu (page HTML d’un proxy, forme inconnue).',
    'Relancez plus tard ; si cela dure, transmettez le message (il montre le début de la réponse) au support BatiSimply.',
  ),
  BATISIMPLY_NOT_FOUND: entry(
    'indisponible',
    'BatiSimply ne connaît pas l’objet demandé (un projet supprimé là-bas, par exemple).',
    'Rien à faire pour un projet supprimé exprès ; sinon vérifiez dans BatiSimply.',
  ),
  BATISIMPLY_RATE_LIMITED: entry(
    'indisponible',
    'BatiSimply a demandé de ralentir (429) plus longtemps que les nouvelles tentatives ne l’ont attendu.',
    'Relancez plus tard, ou baissez BATISIMPLY_CONCURRENCY.',
  ),
  KEYVAULT_READ_FAILED: entry(
    'indisponible',
    'Un secret n’a pas pu être lu dans Key Vault (coffre injoignable, droits manquants).',
    'Vérifiez KEY_VAULT_URL, le rôle « Key Vault Secrets User » de l’identité de l’application et le pare-feu du coffre.',
  ),
  KEYVAULT_WRITE_FAILED: entry(
    'indisponible',
    'Key Vault a refusé d’enregistrer un secret.',
    'Donnez à l’identité de l’application le rôle « Key Vault Secrets Officer » (allowSecretSaveFromDashboard), ou enregistrez-le avec az keyvault secret set.',
  ),
  GEOCODER_UNREACHABLE: entry(
    'indisponible',
    'Le géocodeur (Base Adresse Nationale) ne répond pas.',
    'Rien d’urgent : les chantiers partent sans point, réessayés au prochain envoi. Vérifiez GEOCODE_URL si cela dure.',
  ),
  GEOCODER_BAD_ANSWER: entry(
    'indisponible',
    'Le géocodeur a répondu une forme inattendue.',
    'Vérifiez que GEOCODE_URL pointe vers la Base Adresse Nationale (https://api-adresse.data.gouv.fr).',
  ),
  QUEUE_UNREACHABLE: entry(
    'indisponible',
    'La file d’attente des exécutions (stockage de l’hôte, AzureWebJobsStorage) ne répond pas.',
    'Vérifiez AzureWebJobsStorage ; en local, lancez Azurite (npx azurite-queue --skipApiVersionCheck --disableTelemetry).',
  ),
  QUEUE_API_VERSION: entry(
    'indisponible',
    'Azurite refuse la version d’API de la bibliothèque de stockage : il a été lancé sans --skipApiVersionCheck.',
    'Relancez Azurite avec : npx azurite-queue --skipApiVersionCheck --disableTelemetry.',
  ),

  // Runs as a whole.
  BATISIMPLY_PAGES_REPETEES: entry(
    'indisponible',
    'BatiSimply a renvoyé deux fois la même page de la liste des projets : il ne tient pas compte de la pagination (page, size). La lecture s’arrête au lieu de tourner sans fin.',
    'Signalez-le au support BatiSimply (paramètres page et size ignorés par GET /api/project) ; relancez ensuite.',
  ),
  JOB_RUNNING: entry(
    'exécution',
    'Le même job (de la même société) est déjà en cours ou en file d’attente : une seule exécution à la fois.',
    'Attendez sa fin (« connecteur status » ou le tableau de bord la montrent), puis relancez si besoin.',
  ),
  RUN_ABANDONED: entry(
    'exécution',
    'La file d’attente a abandonné le message de l’exécution après plusieurs tentatives (processus arrêté à chaque fois).',
    'Lisez les journaux de l’application pour la cause, puis relancez le job.',
  ),
  RUN_RECLAIMED: entry(
    'exécution',
    'Une exécution restait marquée en cours (verrou du job libre : son processus est mort) ou en file d’attente au-delà de sa dernière livraison possible : elle a été marquée interrompue, avec la raison, pour laisser passer la suivante.',
    'Rien à faire : la suivante reprend où les données en sont. Si cela revient, lisez les journaux (redémarrages du worker, délai functionTimeout, file injoignable).',
  ),
  RUN_INTERRUPTED: entry(
    'exécution',
    'Le processus qui faisait l’exécution s’est arrêté avant la fin (arrêt, plantage, redémarrage).',
    'Relancez le job : il reprend où les données en sont, sans rien écrire deux fois.',
  ),
  STOP_REQUESTED: entry(
    'exécution',
    'L’agent a reçu un arrêt (Ctrl+C, arrêt du service) : l’étape s’est arrêtée entre deux lots, enregistrée interrompue (« arrêt demandé »).',
    'Rien à faire : la prochaine exécution reprend où les données en sont, sans rien écrire deux fois.',
  ),
  RUN_NOT_FOUND: entry(
    'http',
    'Aucune exécution ne porte cet identifiant.',
    'Vérifiez l’identifiant (GET /api/runs liste les exécutions).',
  ),
  INTERNAL: entry(
    'exécution',
    'Erreur inattendue du connecteur.',
    'Relancez ; si elle revient, transmettez le message et les journaux (--verbose) à l’intégrateur.',
  ),

  // Records that failed: the batch went on, the record is retried on the next run.
  CHANTIER_INVALIDE: entry(
    'enregistrement',
    'Le chantier de Batigest ne peut pas être envoyé tel quel (code vide ou trop long, champ obligatoire vide) ; le message dit lequel.',
    'Corrigez le chantier dans Batigest, puis lancez « connecteur run chantiers ».',
  ),
  PROJET_ILLISIBLE: entry(
    'enregistrement',
    'BatiSimply a renvoyé un projet illisible ; s’il porte le code d’un chantier, sa création est refusée pour ne pas le doubler.',
    'Corrigez ou archivez ce projet dans BatiSimply, puis lancez « connecteur run chantiers ».',
  ),
  LISTE_INSTABLE: entry(
    'enregistrement',
    'La liste des projets BatiSimply a changé pendant sa lecture : les créations attendent, pour ne rien doubler.',
    'Rien à faire : le prochain passage crée ces projets.',
  ),
  LISTE_INSTABLE_PERSISTANTE: entry(
    'avertissement',
    'La liste des projets BatiSimply bouge pendant sa lecture depuis plusieurs exécutions de suite : aucun nouveau chantier n’est créé tant que cela dure.',
    'Vérifiez qu’aucun outil ne crée ou ne supprime des projets BatiSimply en continu ; sinon, transmettez au support BatiSimply l’heure des exécutions (une alerte le signale aussi).',
  ),
  PROJET_REPETE: entry(
    'avertissement',
    'La liste des projets BatiSimply a cité un projet deux fois sans avoir bougé (pagination défaillante) : il est compté une fois, les créations se font.',
    'Rien à faire ; si cela dure, signalez-le au support BatiSimply.',
  ),
  CREATION_INCERTAINE: entry(
    'enregistrement',
    'La création d’un projet est restée sans réponse et la recherche par code a échoué.',
    'Rien à faire : le prochain passage vérifie d’abord si le projet existe avant toute nouvelle création.',
  ),
  CRENEAU_INVALIDE: entry(
    'enregistrement',
    'BatiSimply a renvoyé un créneau illisible (champ manquant ou faux) ; les autres créneaux sont passés.',
    'Corrigez le créneau dans BatiSimply (le champ est nommé), puis lancez « connecteur run heures ».',
  ),

  // Held records: nothing was written for them; they wait for an operator.
  ...holdEntries,
  HEURES_A_RECUPERER: entry(
    'retenue',
    'Un chantier terminé dans Batigest attend que ses heures soient récupérées avant d’être fermé dans BatiSimply.',
    'Rien à faire : lancez « connecteur run all » (ou attendez les passages planifiés).',
  ),
  HEURES_EN_ATTENTE: entry(
    'retenue',
    'Un chantier terminé dans Batigest a encore des heures à exporter vers SuiviMO : il reste ouvert dans BatiSimply jusque-là.',
    `Résolvez d’abord les créneaux retenus de ce chantier, ${HEURES}.`,
  ),
  SUPPRESSION_MASSIVE_RETENUE: entry(
    'retenue',
    'recup-heures aurait marqué supprimés la plupart des créneaux de la fenêtre : une panne ou un mauvais compte est plus probable.',
    'Si les suppressions sont réelles : bouton « Confirmer les suppressions » du tableau de bord, ou « connecteur run recup-heures --allow-mass-delete ».',
  ),

  // Warnings: nothing failed, something is worth knowing.
  AUCUN_CHANTIER: entry(
    'avertissement',
    'Batigest n’a renvoyé aucun chantier : les chantiers connus restent ouverts par prudence.',
    'Vérifiez CHANTIERS_ETATS et la base Batigest nommée par BATIGEST_SQL_DATABASE.',
  ),
  CHANTIER_FINI: entry(
    'avertissement',
    'Un chantier a quitté Batigest (ou son Etat n’est plus dans CHANTIERS_ETATS) : son projet sera fermé selon CHANTIERS_FIN_MODE.',
    'Rien à faire si c’est voulu.',
  ),
  CHANTIER_REVENU: entry('avertissement', 'Un chantier terminé est de retour dans Batigest.', 'Rien à faire : son projet est rouvert.'),
  CHANTIER_ROUVERT: entry('avertissement', 'Le projet d’un chantier revenu dans Batigest a été rouvert dans BatiSimply.', 'Rien à faire.'),
  ADRESSE_ABSENTE: entry(
    'avertissement',
    'Le chantier n’a ni code postal ni ville : pas de point de pointage envoyé.',
    'Complétez l’adresse du chantier dans Batigest.',
  ),
  ADRESSE_IMPRECISE: entry(
    'avertissement',
    'Le géocodeur n’est pas assez sûr de l’adresse (score sous GEOCODE_MIN_SCORE) : pas de point envoyé.',
    'Précisez l’adresse dans Batigest, ou placez le point à la main dans BatiSimply.',
  ),
  ADRESSE_INTROUVABLE: entry(
    'avertissement',
    'Le géocodeur ne trouve pas l’adresse du chantier.',
    'Corrigez l’adresse dans Batigest, ou placez le point à la main dans BatiSimply.',
  ),
  GEOCODEUR_INDISPONIBLE: entry(
    'avertissement',
    'Le géocodage a échoué pendant ce passage : les chantiers partent sans point.',
    'Rien à faire : les adresses sont réessayées au prochain envoi.',
  ),
  SUPPRESSIONS_NON_DETERMINEES: entry(
    'avertissement',
    'Un créneau sans identifiant lisible pourrait être n’importe lequel : aucun créneau n’est marqué supprimé pendant ce passage.',
    'Voyez le créneau refusé (CRENEAU_INVALIDE) du même passage.',
  ),
  PROJET_SANS_CODE: entry(
    'avertissement',
    'Un projet BatiSimply n’a pas de code chantier : ses heures ne peuvent pas aller dans SuiviMO.',
    'Donnez-lui le code du chantier Batigest dans BatiSimply.',
  ),
  PROJET_INTROUVABLE: entry(
    'avertissement',
    'Un créneau porte un projet que BatiSimply ne connaît plus.',
    'Corrigez le projet du créneau dans BatiSimply.',
  ),

  // Audit findings: differences between the three systems (connecteur audit).
  CHANTIER_FILTRE_ETAT: entry(
    'audit',
    'Chantier absent de BatiSimply parce que son Etat n’est pas dans CHANTIERS_ETATS.',
    'Rien à faire s’il est terminé ; sinon ajoutez son Etat à CHANTIERS_ETATS.',
  ),
  CHANTIER_NON_TRANSFERE: entry('audit', 'Chantier de Batigest pas encore en staging.', 'Lancez « connecteur run chantiers ».'),
  CHANTIER_EN_ATTENTE: entry('audit', 'Chantier en attente d’envoi vers BatiSimply.', 'Lancez « connecteur run transfer-batisimply ».'),
  CHANTIER_EN_ECHEC: entry(
    'audit',
    'Le dernier envoi du chantier vers BatiSimply a échoué.',
    'Corrigez la cause indiquée, puis lancez « connecteur run transfer-batisimply ».',
  ),
  CHANTIER_FIN_EN_ATTENTE: entry(
    'audit',
    'Chantier terminé dans Batigest dont le projet est encore ouvert dans BatiSimply.',
    'Lancez « connecteur run all » : le projet est fermé une fois ses heures exportées.',
  ),
  PROJET_DISPARU: entry(
    'audit',
    'Chantier envoyé, mais son projet n’est plus dans BatiSimply (supprimé là-bas ?).',
    'Pour le recréer : « connecteur chantiers renvoyer <code> » (ou le bouton « Renvoyer » de l’audit), puis « connecteur run transfer-batisimply ».',
  ),
  PROJET_SANS_CHANTIER: entry(
    'audit',
    'Projet BatiSimply sans chantier dans Batigest (créé directement dans BatiSimply, ou sans code).',
    'Créez le chantier dans Batigest, ou archivez le projet.',
  ),
  PROJET_EN_DOUBLE: entry(
    'audit',
    'Plusieurs projets BatiSimply portent le même code chantier ; le connecteur tient à jour le plus ancien.',
    'Archivez les doublons dans BatiSimply après avoir vérifié qu’aucune heure n’y est saisie.',
  ),
  CHAMPS_DIFFERENTS: entry(
    'audit',
    'Le projet BatiSimply diffère du chantier de Batigest ; le message liste les champs.',
    'Suivez l’action donnée : relancer les chantiers, ou « connecteur chantiers renvoyer <code> » pour remettre la version de Batigest.',
  ),
  HEURE_NON_RECUPEREE: entry('audit', 'Créneau validé dans BatiSimply, pas encore récupéré.', 'Lancez « connecteur run heures ».'),
  HEURE_A_RECUPERER: entry(
    'audit',
    'Créneau modifié dans BatiSimply depuis la dernière récupération.',
    'Lancez « connecteur run heures ».',
  ),
  HEURE_RETENUE: entry(
    'audit',
    'Créneau validé retenu par le connecteur ; le message dit pourquoi.',
    'Suivez le remède de son code de retenue.',
  ),
  HEURE_EN_ATTENTE: entry('audit', 'Créneau validé en attente d’export vers SuiviMO.', 'Lancez « connecteur run heures-to-sqlserver ».'),
  HEURE_SANS_LIGNE: entry(
    'audit',
    'Créneau noté exporté, sans ligne SuiviMO connue du connecteur.',
    'Réexportez-le : « connecteur heures renvoyer <créneau> » (ou le bouton « Renvoyer » de l’audit).',
  ),
  LIGNE_SUPPRIMEE_A_LA_MAIN: entry(
    'audit',
    'Une ligne que le connecteur avait écrite dans SuiviMO a été supprimée (ou déplacée) dans Batigest.',
    'Ressaisissez-la dans Batigest, ou réexportez le créneau : « connecteur heures renvoyer <créneau> ».',
  ),
  LIGNE_MODIFIEE_A_LA_MAIN: entry(
    'audit',
    'Une ligne que le connecteur avait écrite dans SuiviMO a été modifiée dans Batigest.',
    'Gardez la modification si elle est voulue ; sinon remettez la valeur du connecteur dans Batigest.',
  ),
  LIGNE_SANS_CRENEAU: entry(
    'audit',
    'Ligne SuiviMO écrite par le connecteur pour un créneau qui n’existe plus dans BatiSimply.',
    'Lancez « connecteur run heures » : la ligne sera retirée.',
  ),
  LIGNE_CRENEAU_NON_VALIDE: entry(
    'audit',
    'Ligne SuiviMO écrite par le connecteur pour un créneau qui n’est plus validé.',
    'Lancez « connecteur run heures » : la ligne sera retirée.',
  ),
  SAISIE_MAIN_A_CLE_CONNECTEUR: entry(
    'audit',
    'Ligne saisie à la main dans SuiviMO, à la clé où le connecteur écrirait un créneau.',
    'Si elle fait double emploi, supprimez-la dans Batigest ; sinon déplacez-la d’une minute.',
  ),
  SAISIE_MAIN: entry('audit', 'Ligne saisie dans SuiviMO sans créneau BatiSimply.', 'Rien à faire si la saisie est voulue.'),

  // Answers of the local HTTP server (connecteur serve) and of the Functions routes.
  BODY_TOO_LARGE: entry('http', 'Le corps de la requête dépasse 64 Kio.', 'Envoyez seulement les champs attendus.'),
  UNAUTHORIZED: entry(
    'http',
    'Jeton manquant ou faux sur une route de « connecteur serve ».',
    'Ajoutez ?code=<jeton affiché au démarrage de connecteur serve> (ou l’en-tête x-functions-key).',
  ),
  NOT_FOUND: entry('http', 'Route inconnue.', 'Vérifiez l’adresse (la liste des routes est dans le README).'),
  METHOD_NOT_ALLOWED: entry('http', 'Méthode HTTP refusée par la route.', 'Les jobs se lancent en POST, les lectures en GET.'),
  STOPPING: entry(
    'http',
    'Le connecteur s’arrête (Ctrl+C ou arrêt du service) : il ne prend plus de travail ; les requêtes en cours reçoivent leur réponse.',
    'Relancez « connecteur serve », puis la requête.',
  ),
} as const satisfies Record<string, CodeEntry>;

/** Codes made of a prefix and a number (an HTTP status, a SQL Server error number): one entry per prefix. */
export const CODE_PATTERNS = {
  'BATISIMPLY_HTTP_<statut>': entry(
    'indisponible',
    'BatiSimply a répondu une erreur HTTP (le statut est dans le code) après les nouvelles tentatives.',
    'Relancez plus tard ; un 400 ou un 403 qui dure est à transmettre au support BatiSimply avec le message.',
  ),
  'GEOCODER_HTTP_<statut>': entry(
    'indisponible',
    'Le géocodeur a répondu une erreur HTTP.',
    'Rien d’urgent : les adresses sont réessayées au prochain envoi.',
  ),
  'BATIGEST_SQL_<numéro>': entry(
    'indisponible',
    'SQL Server a refusé une requête avec ce numéro d’erreur ; le message donne sa raison.',
    'Lisez la raison (droits du compte, table absente, blocage) ; le numéro se cherche dans la documentation de SQL Server.',
  ),
} as const satisfies Record<string, CodeEntry>;

export type NamedCode = keyof typeof CODES;
export type PatternCode = `BATISIMPLY_HTTP_${number}` | `GEOCODER_HTTP_${number}` | `BATIGEST_SQL_${number}`;
/** A code the connector may print. */
export type Code = NamedCode | PatternCode;

const PATTERNS: readonly [RegExp, keyof typeof CODE_PATTERNS][] = [
  [/^BATISIMPLY_HTTP_\d+$/, 'BATISIMPLY_HTTP_<statut>'],
  [/^GEOCODER_HTTP_\d+$/, 'GEOCODER_HTTP_<statut>'],
  [/^BATIGEST_SQL_\d+$/, 'BATIGEST_SQL_<numéro>'],
];

/** The entry of a code as stored or printed; undefined for a code of an older version (or a driver's). */
export function codeEntry(code: string): CodeEntry | undefined {
  if (Object.hasOwn(CODES, code)) return CODES[code as NamedCode];
  const pattern = PATTERNS.find(([re]) => re.test(code));
  return pattern ? CODE_PATTERNS[pattern[1]] : undefined;
}

/** The codes of one family, in the list's order. */
export function codesOf(family: CodeFamily): NamedCode[] {
  return (Object.keys(CODES) as NamedCode[]).filter((c) => CODES[c].family === family);
}

/** The audit's kinds of difference. */
export type AuditKind = {
  [K in NamedCode]: (typeof CODES)[K]['family'] extends 'audit' ? K : never;
}[NamedCode];
