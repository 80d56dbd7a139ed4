// A company's secrets in the shared vault, under the names the code reads for it
// (src/lib/companies.ts companySecretName): `<company>-batigest-sql-password`,
// `<company>-batisimply-client-secret`, `<company>-batisimply-password`. Empty values are
// skipped: set them later with `az keyvault secret set` or the dashboard (`?company=`).
param keyVaultName string
@secure()
@description('Secret name → value, e.g. { "acme-batigest-sql-password": "…" }.')
param secrets object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource companySecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for secret in filter(items(secrets), s => !empty(s.value)): {
    parent: vault
    name: secret.key
    properties: { value: secret.value }
  }
]
