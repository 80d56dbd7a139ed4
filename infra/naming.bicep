// Every resource name, derived from the azd environment name in one place.
// azd allows letters, digits and `- _ . ( )` in an environment name, capitals included; Azure
// does not accept those everywhere (storage: lowercase letters and digits only; Key Vault: no
// doubled or trailing hyphen; PostgreSQL: lowercase). So names are built from a slug of the
// environment name that keeps only lowercase letters and digits, cut to each type's length,
// and the globally unique ones end with `suffix` (uniqueString(subscription, environment name):
// 13 lowercase letters and digits). test/infra/naming.test.ts evaluates these functions for
// awkward environment names against each resource type's rules.

@export()
@description('Lowercase letters and digits of the environment name ("env" when none is left).')
func environmentSlug(environmentName string) string => empty(replace(replace(replace(replace(replace(replace(toLower(environmentName), '-', ''), '_', ''), '.', ''), '(', ''), ')', ''), ' ', '')) ? 'env' : replace(replace(replace(replace(replace(replace(toLower(environmentName), '-', ''), '_', ''), '.', ''), '(', ''), ')', ''), ' ', '')

@export()
@description('The name of every resource. `slug` comes from environmentSlug; `suffix` from uniqueString.')
func resourceNames(environmentName string, slug string, suffix string) object => {
  // azd's convention (rg-<environment>); a resource group name may hold every character azd
  // allows but must not end with a period.
  resourceGroup: endsWith(environmentName, '.') ? 'rg-${environmentName}_' : 'rg-${environmentName}'
  identity: 'id-${take(slug, 40)}'
  // 3-24, lowercase letters and digits, globally unique.
  storage: 'st${take(slug, 9)}${suffix}'
  logs: 'log-${take(slug, 40)}'
  insights: 'appi-${take(slug, 40)}'
  // 3-24, letters, digits and single hyphens, starts with a letter, globally unique.
  keyVault: 'kv-${take(slug, 7)}-${suffix}'
  // 3-63, lowercase letters, digits and hyphens, globally unique.
  postgres: 'psql-${take(slug, 40)}-${suffix}'
  vnet: 'vnet-${take(slug, 40)}'
  appNsg: 'nsg-${take(slug, 40)}-app'
  postgresNsg: 'nsg-${take(slug, 40)}-postgres'
  plan: 'plan-${take(slug, 40)}'
  // At most 32 characters: the Functions host id is the site name cut to 32.
  functionApp: 'func-${take(slug, 13)}-${suffix}'
  alertPrefix: take(slug, 40)
}
