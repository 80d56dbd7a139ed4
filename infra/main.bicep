// Connecteur SAGES — everything the connector needs in one resource group:
// Function App (Flex Consumption, Linux, Node), user-assigned identity, identity-only storage,
// Log Analytics + Application Insights (local auth off) with alerts, Key Vault (RBAC),
// PostgreSQL Flexible Server for staging, and a VNet. Batigest is reached one of two ways
// (batigestAccess): `vpn`, the Function App reaches the customer's SQL Server through the VNet
// (site-to-site VPN, ExpressRoute) and the staging server is VNet-only; `agent`, an agent on
// site runs the steps that touch Batigest and reaches the staging server over TLS from
// agentAllowedIps, while the Function App reaches it through a private endpoint.
targetScope = 'subscription'

import { environmentSlug, resourceNames } from 'naming.bicep'
import { companyAppSettings, companyProblems } from 'companies.bicep'
import { agentFirewallRules, agentProblems, skuProblem, skuTier, smallestBurstableSku, stagingConnections } from 'staging.bicep'

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd: AZURE_ENV_NAME); every resource name derives from it (naming.bicep).')
param environmentName string

@description('Azure region of every resource (Flex Consumption must be available there).')
param location string

@description('Node.js version of the Function App (Flex Consumption offers 20 and 22; Node 20 left support on 2026-04-30).')
@allowed(['20', '22'])
param nodeVersion string = '22'

// 40: the lowest value every region accepts. Lower values are a preview in a few regions only
// (westeurope, australiaeast, westus2 as of 2026-01, Azure/azure-functions-host#10523); the
// documented minimum elsewhere is 40 (MicrosoftDocs/azure-docs#128255). docs/azure.md.
@description('Most on-demand instances per function group of the Function App (Flex Consumption). 40 deploys in every region; lower values only where Azure allows them (docs/azure.md, "Instances"). The staging SKU is sized from it.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Pooled PostgreSQL connections of one process (STAGING_POOL_MAX); each process also holds one for its job locks.')
@minValue(3)
@maxValue(100)
param stagingPoolMax int = 5

// ---- Where Batigest lives
@description('How the connector reaches Batigest: vpn (the Function App, through the VNet: VPN or ExpressRoute) or agent (an agent on site runs the Batigest steps; BATIGEST_ACCESS=agent). docs/azure.md, "Agent mode".')
@allowed(['vpn', 'agent'])
param batigestAccess string = 'vpn'
@description('Agent mode: public IPv4 addresses or CIDR ranges of the site where the agent runs; the only addresses the staging server accepts from the Internet.')
param agentAllowedIps array = []
@description('The agent is reported silent after this many periods of its shortest schedule without a heartbeat (AGENT_SILENCE_PERIODS).')
@minValue(1)
@maxValue(100)
param agentSilencePeriods int = 3
// A fresh value at each deployment: used only when the vault lacks agent-staging-password
// (secrets.bicep), so an existing password is never rotated by a provision.
@secure()
@description('Seed of the agent\'s PostgreSQL password, written to Key Vault only when the vault lacks agent-staging-password. Leave it to its default.')
param agentPasswordSeed string = newGuid()

// ---- Batigest (customer SQL Server, usually on premises). Empty in agent mode, or with
// companies (each company's own in companySettings).
@description('Host name or IP of the Batigest SQL Server, as reached from the VNet (vpn mode, single company).')
param batigestSqlServer string = ''
param batigestSqlPort int = 1433
param batigestSqlDatabase string = ''
param batigestSqlUser string = ''
@secure()
@description('Password of the Batigest SQL login; stored in Key Vault (batigest-sql-password), never in app settings. Leave empty to set it later.')
param batigestSqlPassword string = ''
param batigestSqlEncrypt bool = true
param batigestSqlTrustServerCertificate bool = false
param batigestSqlSchema string = 'dbo'
param suiviMoTrajetColumn string = 'NbH3'
param suiviMoPanierColumn string = 'NbH4'
@description('ChantierDef.Etat values to sync, comma separated; empty for all.')
param chantiersEtats string = ''

// ---- BatiSimply
param batisimplyApiUrl string = 'https://api.batisimply.fr'
param batisimplyTokenUrl string = 'https://sso.batisimply.fr/auth/realms/jhipster/protocol/openid-connect/token'
@allowed(['password', 'client_credentials'])
param batisimplyGrantType string = 'password'
param batisimplyClientId string = 'bridge-data'
param batisimplyUsername string = ''
@secure()
param batisimplyClientSecret string = ''
@secure()
param batisimplyPassword string = ''
@description('BatiSimply agency (headQuarter.id) of the projects created by the connector.')
param batisimplyHeadquarterId string = ''

// ---- Sync
param syncTimezone string = 'Europe/Paris'
param heuresWindowDays int = 35
@description('NCRONTAB, UTC: Linux Flex Consumption has no time-zone setting for timers.')
param chantiersSchedule string = '0 */15 * * * *'
@description('NCRONTAB, UTC.')
param heuresSchedule string = '0 0 * * * *'
param runHistoryDays int = 90
@description('Company names (COMPANIES), comma separated; empty: the single company on the flat settings (docs/queue.md).')
param companies string = ''
@description('Each company\'s own settings, company → setting → value ({ "acme": { "BATIGEST_SQL_SERVER": "10.0.0.5" } }); they become the app settings COMPANY_<NAME>__<SETTING>, owned by the template (docs/azure.md, "Companies").')
param companySettings object = {}
@secure()
@description('Companies\' secrets for the vault, name → value ({ "acme-batigest-sql-password": "…" }); written only when the vault lacks them (docs/azure.md).')
param companySecrets object = {}
@description('What a chantier that ended in Batigest becomes in BatiSimply (CHANTIERS_FIN_MODE).')
@allowed(['finished', 'archived', 'none'])
param chantiersFinMode string = 'finished'
@description('Geocode chantier addresses with the Base Adresse Nationale (sends site addresses to a public service).')
param geocodeEnabled bool = false
@description('Lowest geocoding score whose point is sent to BatiSimply (GEOCODE_MIN_SCORE).')
param geocodeMinScore string = '0.6'

// ---- Staging PostgreSQL
param postgresVersion string = '16'
@description('SKU of the staging server; empty: the smallest Burstable SKU whose connections hold the deployment (staging.bicep). A SKU too small for it is refused.')
param postgresSkuName string = ''
@description('Tier of postgresSkuName; empty: from the SKU\'s family.')
@allowed(['', 'Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresSkuTier string = ''
param postgresStorageGB int = 32
@description('Zone-redundant high availability (needs GeneralPurpose or MemoryOptimized).')
param postgresHighAvailability bool = false
param postgresGeoRedundantBackup bool = false
// Generated once by azd and kept in the environment (.azure/<env>/config.json), so every
// provision passes the same value (a GUID default was recomputed, rotating it, at each deployment).
@secure()
@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true, minLower: 2, minUpper: 2, minNumeric: 2 } } })
@description('Administrator password of the staging server. azd generates it once; outside azd, pass it. Only the staging URL secret in Key Vault carries it.')
param postgresAdminPassword string

// ---- Network
param vnetAddressPrefix string = '10.60.0.0/16'
param appSubnetPrefix string = '10.60.1.0/24'
param postgresSubnetPrefix string = '10.60.2.0/24'
param gatewaySubnetPrefix string = '10.60.255.0/27'
@description('DNS servers of the VNet (e.g. on-premises DNS, to resolve the SQL Server by name); empty for Azure DNS. They MUST forward what they do not hold to Azure DNS (168.63.129.16), or the app cannot resolve the staging server\'s private name (docs/azure.md).')
param dnsServers array = []
@description('Create a site-to-site VPN to the customer network (vpn mode: the usual way to reach an on-premises SQL Server). Ignored in agent mode.')
param deployVpnGateway bool = false
param vpnGatewaySku string = 'VpnGw1AZ'
@description('Public IP of the customer VPN device.')
param onPremisesGatewayIp string = ''
@description('Address ranges of the customer network (where the SQL Server is).')
param onPremisesAddressPrefixes array = []
@secure()
param vpnSharedKey string = ''

// ---- Access and alerts
@description('Also grant Key Vault Secrets Officer to the app, so that the dashboard can save secrets ("save": true).')
param allowSecretSaveFromDashboard bool = false
@description('Public IPs (CIDR) allowed to reach Key Vault besides the app subnet, e.g. the integrator setting secrets.')
param keyVaultAllowedIps array = []
@description('Purge protection of the Key Vault (cannot be turned off once on). Keep it for production; set false for a test environment that `azd down --purge` must remove at once.')
param keyVaultPurgeProtection bool = true
@description('Principal (object id) given Key Vault Secrets Officer on the vault, so that it can list and set the secrets (azd: the signed-in user, AZURE_PRINCIPAL_ID); empty for none.')
param deployerPrincipalId string = ''
@allowed(['User', 'ServicePrincipal', 'Group'])
param deployerPrincipalType string = 'User'
@description('Storage account reachable only from the app subnet (and trusted Azure services). Set false only if a deployment is refused by the storage firewall.')
param restrictStorageToVnet bool = true
@description('E-mail address alerted when a run fails, hours stay held for a day or the agent is silent; empty for no e-mail.')
param alertEmail string = ''
@secure()
@description('Where failed runs, held hours and a silent agent are also posted as JSON (ALERT_WEBHOOK_URL, Key Vault alert-webhook-url); empty for none.')
param alertWebhookUrl string = ''
@description('Names of the secrets already in the vault (the preprovision hook reads them); a given secret is written only when it is not among them (secrets.bicep).')
param presentSecrets array = []

var tags = { 'azd-env-name': environmentName, application: 'connecteur-sages' }
var names = resourceNames(environmentName, environmentSlug(environmentName), uniqueString(subscription().id, environmentName))
var agentMode = batigestAccess == 'agent'

// What the app would refuse when it starts, refused before anything is deployed.
var settingsProblems = concat(companyProblems(companies, companySettings, companySecrets), agentProblems(agentMode, agentAllowedIps))
var companyAppSettingsChecked = empty(settingsProblems) ? companyAppSettings(companySettings) : fail(join(settingsProblems, ' ; '))

// Function groups Flex Consumption scales one by one: the HTTP routes (one group), runQueue,
// runQueuePoison, chantiersTimer, heuresTimer. test/infra/settings-drift.test.ts counts them
// from the app's registrations.
var functionGroups = 5
var stagingConnectionsMax = stagingConnections(maximumInstanceCount, functionGroups, stagingPoolMax, agentMode)
var stagingSkuName = empty(postgresSkuName) ? smallestBurstableSku(stagingConnectionsMax) : postgresSkuName
var stagingSkuTier = empty(postgresSkuTier) ? skuTier(stagingSkuName) : postgresSkuTier
var stagingSkuProblem = skuProblem(stagingSkuName, stagingSkuTier, stagingConnectionsMax, postgresHighAvailability)
var stagingSku = empty(stagingSkuProblem) ? { name: stagingSkuName, tier: stagingSkuTier } : fail(stagingSkuProblem)

// The PostgreSQL role of the agent; the connector creates it and its grants when it migrates the
// staging database in agent mode, with the password of agent-staging-password.
var agentStagingUser = 'connecteur_agent'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'connecteur-resources'
  scope: rg
  params: {
    names: names
    location: location
    tags: tags
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    stagingPoolMax: stagingPoolMax
    agentMode: agentMode
    agentFirewallRules: agentMode ? agentFirewallRules(agentAllowedIps) : []
    agentSilencePeriods: agentSilencePeriods
    agentStagingUser: agentStagingUser
    agentStagingPassword: replace(agentPasswordSeed, '-', '')
    batigestSqlServer: batigestSqlServer
    batigestSqlPort: batigestSqlPort
    batigestSqlDatabase: batigestSqlDatabase
    batigestSqlUser: batigestSqlUser
    batigestSqlPassword: batigestSqlPassword
    batigestSqlEncrypt: batigestSqlEncrypt
    batigestSqlTrustServerCertificate: batigestSqlTrustServerCertificate
    batigestSqlSchema: batigestSqlSchema
    suiviMoTrajetColumn: suiviMoTrajetColumn
    suiviMoPanierColumn: suiviMoPanierColumn
    chantiersEtats: chantiersEtats
    batisimplyApiUrl: batisimplyApiUrl
    batisimplyTokenUrl: batisimplyTokenUrl
    batisimplyGrantType: batisimplyGrantType
    batisimplyClientId: batisimplyClientId
    batisimplyUsername: batisimplyUsername
    batisimplyClientSecret: batisimplyClientSecret
    batisimplyPassword: batisimplyPassword
    batisimplyHeadquarterId: batisimplyHeadquarterId
    syncTimezone: syncTimezone
    heuresWindowDays: heuresWindowDays
    chantiersSchedule: chantiersSchedule
    heuresSchedule: heuresSchedule
    runHistoryDays: runHistoryDays
    companies: companies
    companyAppSettings: companyAppSettingsChecked
    companySecrets: companySecrets
    chantiersFinMode: chantiersFinMode
    geocodeEnabled: geocodeEnabled
    geocodeMinScore: geocodeMinScore
    postgresVersion: postgresVersion
    postgresSkuName: stagingSku.name
    postgresSkuTier: stagingSku.tier
    postgresStorageGB: postgresStorageGB
    postgresHighAvailability: postgresHighAvailability
    postgresGeoRedundantBackup: postgresGeoRedundantBackup
    postgresAdminPassword: postgresAdminPassword
    vnetAddressPrefix: vnetAddressPrefix
    appSubnetPrefix: appSubnetPrefix
    postgresSubnetPrefix: postgresSubnetPrefix
    gatewaySubnetPrefix: gatewaySubnetPrefix
    dnsServers: dnsServers
    deployVpnGateway: deployVpnGateway && !agentMode
    vpnGatewaySku: vpnGatewaySku
    onPremisesGatewayIp: onPremisesGatewayIp
    onPremisesAddressPrefixes: onPremisesAddressPrefixes
    vpnSharedKey: vpnSharedKey
    allowSecretSaveFromDashboard: allowSecretSaveFromDashboard
    keyVaultAllowedIps: keyVaultAllowedIps
    keyVaultPurgeProtection: keyVaultPurgeProtection
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
    restrictStorageToVnet: restrictStorageToVnet
    alertEmail: alertEmail
    alertWebhookUrl: alertWebhookUrl
    presentSecrets: presentSecrets
  }
}

output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AZURE_FUNCTION_APP_URL string = resources.outputs.functionAppUrl
output AZURE_KEY_VAULT_NAME string = resources.outputs.keyVaultName
output AZURE_KEY_VAULT_URL string = resources.outputs.keyVaultUrl
output STAGING_POSTGRES_HOST string = resources.outputs.postgresHost
output STAGING_POSTGRES_SERVER string = resources.outputs.postgresName
output STAGING_POSTGRES_DATABASE string = resources.outputs.postgresDatabase
output STAGING_POSTGRES_SKU string = stagingSku.name
// Read by the postprovision hook (the agent's settings, stale firewall rules). Named apart from
// the inputs, so that an output never pins an input's default in the azd environment.
output DEPLOYED_BATIGEST_ACCESS string = batigestAccess
output AGENT_STAGING_USER string = agentStagingUser
output AGENT_STAGING_POOL_MAX int = stagingPoolMax
output AGENT_FIREWALL_RULES string = agentMode ? join(map(agentFirewallRules(agentAllowedIps), r => (r.name)), ' ') : ''
