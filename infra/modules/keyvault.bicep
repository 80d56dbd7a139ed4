// Key Vault (RBAC) holding the connector's secrets under the names the code reads
// (src/lib/config.ts SECRET_SETTINGS). The app's identity may read them (Key Vault Secrets User);
// it may write them only when saving from the dashboard is wanted (Key Vault Secrets Officer).
// Which secrets a provision writes: secrets.bicep.
import { secretsToWrite } from '../secrets.bicep'

param name string
param location string
param tags object
param principalId string
param allowSecretSave bool
param appSubnetId string
param allowedIps array
@description('Purge protection; cannot be turned off once on.')
param purgeProtection bool
@description('Principal given Key Vault Secrets Officer (the deployer, to list and set secrets); empty for none.')
param deployerPrincipalId string
// Allowed values restate main.bicep's, so the value types as the AVM role assignment's principalType.
@allowed(['User', 'ServicePrincipal', 'Group'])
param deployerPrincipalType string
param postgresHost string
param postgresDatabase string
param postgresUser string
@secure()
param postgresPassword string
@secure()
param batigestSqlPassword string
@secure()
param batisimplyClientSecret string
@secure()
param batisimplyPassword string
@secure()
param alertWebhookUrl string
param agentMode bool
param agentStagingUser string
@secure()
@description('Written (with the agent\'s URL) only when the vault lacks agent-staging-password.')
param agentStagingPassword string
@description('Names of the secrets already in the vault (preprovision hook).')
param presentSecrets array

// Built from the server and its administrator password, which the template sets at every
// provision: rewritten with them, so the URL and the server never disagree.
var stagingUrl = {
  name: 'staging-database-url'
  value: 'postgresql://${uriComponent(postgresUser)}:${uriComponent(postgresPassword)}@${postgresHost}:5432/${postgresDatabase}?sslmode=require'
}

// Secrets given at deployment, written only when the vault lacks them; an empty one is left for
// the integrator to set later (`az keyvault secret set`, or the dashboard with "save": true).
var givenSecrets = [
  { name: 'batigest-sql-password', value: batigestSqlPassword }
  { name: 'batisimply-client-secret', value: batisimplyClientSecret }
  { name: 'batisimply-password', value: batisimplyPassword }
  { name: 'alert-webhook-url', value: alertWebhookUrl }
]

// Agent mode: the agent's role password, generated, and the URL the integrator gives the agent.
// The pair is written together, and only when the vault lacks the password: a password already
// there (maybe already in the agent's settings) is never replaced by a provision.
var agentPair = [
  { name: 'agent-staging-password', value: agentStagingPassword }
  {
    name: 'agent-staging-database-url'
    value: 'postgresql://${uriComponent(agentStagingUser)}:${uriComponent(agentStagingPassword)}@${postgresHost}:5432/${postgresDatabase}?sslmode=require'
  }
]
var agentSecrets = agentMode && !contains(presentSecrets, 'agent-staging-password') ? agentPair : []

var readerRole = [
  { principalId: principalId, principalType: 'ServicePrincipal', roleDefinitionIdOrName: 'Key Vault Secrets User' }
]
// Vault scope: the vault holds only the connector's secrets, and a secret not given at
// deployment does not exist yet, so a role scoped to it could not be assigned.
var writerRole = [
  { principalId: principalId, principalType: 'ServicePrincipal', roleDefinitionIdOrName: 'Key Vault Secrets Officer' }
]
var deployerRole = empty(deployerPrincipalId)
  ? []
  : [{ principalId: deployerPrincipalId, principalType: deployerPrincipalType, roleDefinitionIdOrName: 'Key Vault Secrets Officer' }]

// Azure Verified Module, pinned.
module vault 'br/public:avm/res/key-vault/vault:0.12.1' = {
  name: 'vault'
  params: {
    name: name
    location: location
    tags: tags
    sku: 'standard'
    enableRbacAuthorization: true
    enableVaultForDeployment: false
    enableVaultForTemplateDeployment: false
    enableVaultForDiskEncryption: false
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // With a deterministic name, a deleted vault blocks the same environment until it is purged
    // or recovered: the preprovision hook recovers it (infra/scripts/preprovision.sh).
    enablePurgeProtection: purgeProtection
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Deny'
      virtualNetworkRules: [{ id: appSubnetId, ignoreMissingVnetServiceEndpoint: false }]
      ipRules: [for ip in allowedIps: { value: ip }]
    }
    secrets: concat([stagingUrl], secretsToWrite(givenSecrets, presentSecrets), agentSecrets)
    roleAssignments: concat(readerRole, allowSecretSave ? writerRole : [], deployerRole)
  }
}

output name string = vault.outputs.name
output uri string = vault.outputs.uri
output resourceId string = vault.outputs.resourceId
