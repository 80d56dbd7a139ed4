// A company's secrets in the shared vault, under the names the code reads for it
// (src/lib/companies.ts companySecretName): `<company>-batigest-sql-password`,
// `<company>-batisimply-client-secret`, `<company>-batisimply-password`. Written only when the
// vault lacks them (secrets.bicep); empty values are skipped: set them later with
// `az keyvault secret set` or the dashboard (`?company=`).
import { secretsToWrite } from '../secrets.bicep'

param keyVaultName string
@secure()
@description('Secret name → value, e.g. { "acme-batigest-sql-password": "…" }.')
param secrets object
@description('Names of the secrets already in the vault (preprovision hook).')
param presentSecrets array

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource companySecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for secret in secretsToWrite(map(items(secrets), s => { name: s.key, value: s.value }), presentSecrets): {
    parent: vault
    name: secret.name
    properties: { value: secret.value }
  }
]
