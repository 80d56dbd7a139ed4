// Companies: COMPANIES, the companies' settings (COMPANY_SETTINGS → COMPANY_<NAME>__<SETTING>
// app settings) and their Key Vault secrets (COMPANY_SECRETS), checked here as src/lib/config.ts
// and src/lib/companies.ts check them, so that a provision refuses what the app would refuse
// when it starts. test/infra/companies.test.ts evaluates these functions against the code.

@export()
@description('A company name as src/lib/config.ts accepts it: ^[a-z][a-z0-9]*(-[a-z0-9]+)*$, 30 characters at most. No regular expression in Bicep: the same rule, character by character.')
func isCompanyName(name string) bool => length(name) >= 1 && length(name) <= 30 && contains('abcdefghijklmnopqrstuvwxyz', take(name, 1)) && empty(filter(range(0, length(name)), i => (!contains('abcdefghijklmnopqrstuvwxyz0123456789-', substring(name, i, 1))))) && !contains(name, '--') && !endsWith(name, '-')

@export()
@description('The names listed in COMPANIES (comma separated, blanks ignored).')
func companyNames(companies string) array => filter(map(split(companies, ','), n => trim(n)), n => !empty(n))

@export()
@description('Prefix of a company\'s app settings (src/lib/companies.ts companyPrefix): COMPANY_BETA_BTP__ for beta-btp.')
func companyPrefix(name string) string => 'COMPANY_${toUpper(replace(name, '-', '_'))}__'

@export()
@description('Settings a company may set for itself as an app setting (src/lib/companies.ts COMPANY_SETTINGS, less the secrets, which go to Key Vault).')
func companySettingNames() array => [
  'BATIGEST_SQL_SERVER'
  'BATIGEST_SQL_PORT'
  'BATIGEST_SQL_DATABASE'
  'BATIGEST_SQL_USER'
  'BATIGEST_SQL_ENCRYPT'
  'BATIGEST_SQL_TRUST_SERVER_CERTIFICATE'
  'BATIGEST_SQL_SCHEMA'
  'BATIGEST_SUIVIMO_TRAJET_COLUMN'
  'BATIGEST_SUIVIMO_PANIER_COLUMN'
  'BATISIMPLY_CLIENT_ID'
  'BATISIMPLY_USERNAME'
  'BATISIMPLY_GRANT_TYPE'
  'BATISIMPLY_HEADQUARTER_ID'
  'CHANTIERS_ETATS'
  'HEURES_WINDOW_DAYS'
  'BATISIMPLY_API_URL'
  'BATISIMPLY_TOKEN_URL'
  'BATISIMPLY_CONCURRENCY'
  'BATISIMPLY_TIMEOUT_MS'
  'BATISIMPLY_MAX_RETRIES'
  'BATISIMPLY_PAGE_SIZE'
  'BATISIMPLY_CREATE_SETTLE_MS'
  'SYNC_TIMEZONE'
  'HEURES_CHUNK_DAYS'
  'HEURES_BATCH_SIZE'
  'HEURES_MASS_DELETE_MAX_RATIO'
  'HEURES_MASS_DELETE_MIN'
  'CHANTIERS_BATCH_SIZE'
  'CHANTIERS_FIN_MODE'
]

@export()
@description('A company\'s own secrets in Key Vault, after its name and a dash (src/lib/companies.ts companySecretName); the others are shared.')
func companySecretNames() array => ['batigest-sql-password', 'batisimply-client-secret', 'batisimply-password']

@export()
@description('What is wrong with COMPANIES, COMPANY_SETTINGS and the names of COMPANY_SECRETS, in French (empty: nothing). Never a secret\'s value.')
func companyProblems(companies string, settings object, secrets object) array => flatten([
  map(filter(companyNames(companies), n => !isCompanyName(n)), n => 'COMPANIES : nom de société invalide « ${n} » (minuscules, chiffres et tirets simples, commence par une lettre, 30 caractères au plus ; ex. acme,beta-btp)')
  length(union(companyNames(companies), [])) == length(companyNames(companies)) ? [] : ['COMPANIES : nom de société en double']
  map(filter(items(settings), c => (!contains(companyNames(companies), c.key))), c => 'COMPANY_SETTINGS : « ${c.key} » n\'est pas dans COMPANIES')
  contains(settings, 'default') ? ['COMPANY_SETTINGS : la société default garde les réglages sans préfixe (paramètres du modèle)'] : []
  flatten(map(items(settings), c => (map(filter(items(c.value), s => (!contains(companySettingNames(), s.key))), s => 'COMPANY_SETTINGS.${c.key} : ${s.key} n\'est pas un réglage propre à une société (les secrets vont dans COMPANY_SECRETS)'))))
  map(filter(items(secrets), s => (empty(filter(companyNames(companies), n => (n != 'default' && startsWith(s.key, '${n}-') && contains(companySecretNames(), skip(s.key, length(n) + 1))))))), s => 'COMPANY_SECRETS : « ${s.key} » ne correspond à aucune société de COMPANIES (noms attendus : <société>-${join(companySecretNames(), ', <société>-')})')
])

@export()
@description('COMPANY_SETTINGS as app settings: { "beta-btp": { "BATIGEST_SQL_SERVER": "10.0.0.5" } } → { COMPANY_BETA_BTP__BATIGEST_SQL_SERVER: "10.0.0.5" }. Numbers and booleans become text.')
func companyAppSettings(settings object) object => toObject(flatten(map(items(settings), c => (map(items(c.value), s => { name: '${companyPrefix(c.key)}${s.key}', value: string(s.value) })))), e => (e.name), e => (e.value))
