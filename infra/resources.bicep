// The connector's resources, in the resource group created by main.bicep.
@description('Every resource name (naming.bicep resourceNames).')
param names object
param location string
param tags object
param nodeVersion string
param maximumInstanceCount int
param stagingPoolMax int
@description('batigestAccess == agent (main.bicep).')
param agentMode bool
@description('Firewall rules of the staging server in agent mode (staging.bicep agentFirewallRules).')
param agentFirewallRules array
param agentSilencePeriods int
param agentStagingUser string
@secure()
param agentStagingPassword string
param batigestSqlServer string
param batigestSqlPort int
param batigestSqlDatabase string
param batigestSqlUser string
@secure()
param batigestSqlPassword string
param batigestSqlEncrypt bool
param batigestSqlTrustServerCertificate bool
param batigestSqlSchema string
param suiviMoTrajetColumn string
param suiviMoPanierColumn string
param chantiersEtats string
param batisimplyApiUrl string
param batisimplyTokenUrl string
param batisimplyGrantType string
param batisimplyClientId string
param batisimplyUsername string
@secure()
param batisimplyClientSecret string
@secure()
param batisimplyPassword string
param batisimplyHeadquarterId string
param syncTimezone string
param heuresWindowDays int
param chantiersSchedule string
param heuresSchedule string
param runHistoryDays int
param postgresVersion string
param postgresSkuName string
param postgresSkuTier string
param postgresStorageGB int
param postgresHighAvailability bool
param postgresGeoRedundantBackup bool
@secure()
param postgresAdminPassword string
param vnetAddressPrefix string
param appSubnetPrefix string
param postgresSubnetPrefix string
param gatewaySubnetPrefix string
param dnsServers array
param deployVpnGateway bool
param vpnGatewaySku string
param onPremisesGatewayIp string
param onPremisesAddressPrefixes array
@secure()
param vpnSharedKey string
param allowSecretSaveFromDashboard bool
param keyVaultAllowedIps array
param keyVaultPurgeProtection bool
param deployerPrincipalId string
// Allowed values restate main.bicep's, so the value types as the AVM role assignment's principalType.
@allowed(['User', 'ServicePrincipal', 'Group'])
param deployerPrincipalType string
param restrictStorageToVnet bool
param alertEmail string
@secure()
param alertWebhookUrl string
param presentSecrets array
param companies string
@description('The companies\' app settings, COMPANY_<NAME>__<SETTING> (companies.bicep companyAppSettings).')
param companyAppSettings object
@secure()
param companySecrets object
param chantiersFinMode string
param geocodeEnabled bool
param geocodeMinScore string

// Azure Verified Module, pinned.
module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    name: names.vnet
    appNsgName: names.appNsg
    postgresNsgName: names.postgresNsg
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
    appSubnetPrefix: appSubnetPrefix
    postgresSubnetPrefix: postgresSubnetPrefix
    gatewaySubnetPrefix: gatewaySubnetPrefix
    agentMode: agentMode
    dnsServers: dnsServers
    deployVpnGateway: deployVpnGateway
    vpnGatewaySku: vpnGatewaySku
    onPremisesGatewayIp: onPremisesGatewayIp
    onPremisesAddressPrefixes: onPremisesAddressPrefixes
    vpnSharedKey: vpnSharedKey
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logs
    appInsightsName: names.insights
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    appSubnetId: network.outputs.appSubnetId
    restrictToVnet: restrictStorageToVnet
  }
}

module runQueue 'modules/queue.bicep' = {
  name: 'queue'
  params: {
    storageAccountName: storage.outputs.name
    principalId: identity.outputs.principalId
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    name: names.postgres
    location: location
    tags: tags
    version: postgresVersion
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageGB: postgresStorageGB
    highAvailability: postgresHighAvailability
    geoRedundantBackup: postgresGeoRedundantBackup
    administratorPassword: postgresAdminPassword
    postgresSubnetId: network.outputs.postgresSubnetId
    virtualNetworkId: network.outputs.vnetId
    agentMode: agentMode
    agentFirewallRules: agentFirewallRules
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    allowSecretSave: allowSecretSaveFromDashboard
    appSubnetId: network.outputs.appSubnetId
    allowedIps: keyVaultAllowedIps
    purgeProtection: keyVaultPurgeProtection
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
    postgresHost: postgres.outputs.host
    postgresDatabase: postgres.outputs.databaseName
    postgresUser: postgres.outputs.administratorLogin
    postgresPassword: postgresAdminPassword
    batigestSqlPassword: batigestSqlPassword
    batisimplyClientSecret: batisimplyClientSecret
    batisimplyPassword: batisimplyPassword
    alertWebhookUrl: alertWebhookUrl
    agentMode: agentMode
    agentStagingUser: agentStagingUser
    agentStagingPassword: agentStagingPassword
    presentSecrets: presentSecrets
  }
}

module companyVaultSecrets 'modules/companysecrets.bicep' = {
  name: 'company-secrets'
  params: {
    keyVaultName: keyVault.outputs.name
    secrets: companySecrets
    presentSecrets: presentSecrets
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appSubnetId: network.outputs.appSubnetId
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    // Owned by the template as a whole: a company removed from COMPANY_SETTINGS loses them.
    companySettings: companyAppSettings
    // The settings the code reads (src/lib/config.ts), each from a parameter mapped in
    // main.parameters.json; secrets come from Key Vault, never from here. The optional ones
    // left out are listed in infra/optional-settings.json (test/infra/settings-drift.test.ts).
    appSettings: {
      KEY_VAULT_URL: keyVault.outputs.uri
      AZURE_CLIENT_ID: identity.outputs.clientId
      BATIGEST_SQL_SERVER: batigestSqlServer
      BATIGEST_SQL_PORT: string(batigestSqlPort)
      BATIGEST_SQL_DATABASE: batigestSqlDatabase
      BATIGEST_SQL_USER: batigestSqlUser
      BATIGEST_SQL_ENCRYPT: string(batigestSqlEncrypt)
      BATIGEST_SQL_TRUST_SERVER_CERTIFICATE: string(batigestSqlTrustServerCertificate)
      BATIGEST_SQL_SCHEMA: batigestSqlSchema
      BATIGEST_SUIVIMO_TRAJET_COLUMN: suiviMoTrajetColumn
      BATIGEST_SUIVIMO_PANIER_COLUMN: suiviMoPanierColumn
      CHANTIERS_ETATS: chantiersEtats
      BATISIMPLY_API_URL: batisimplyApiUrl
      BATISIMPLY_TOKEN_URL: batisimplyTokenUrl
      BATISIMPLY_GRANT_TYPE: batisimplyGrantType
      BATISIMPLY_CLIENT_ID: batisimplyClientId
      BATISIMPLY_USERNAME: batisimplyUsername
      BATISIMPLY_HEADQUARTER_ID: batisimplyHeadquarterId
      SYNC_TIMEZONE: syncTimezone
      HEURES_WINDOW_DAYS: string(heuresWindowDays)
      CHANTIERS_SCHEDULE: chantiersSchedule
      HEURES_SCHEDULE: heuresSchedule
      RUN_HISTORY_DAYS: string(runHistoryDays)
      STAGING_POOL_MAX: string(stagingPoolMax)
      COMPANIES: companies
      CHANTIERS_FIN_MODE: chantiersFinMode
      GEOCODE_ENABLED: string(geocodeEnabled)
      GEOCODE_MIN_SCORE: geocodeMinScore
      BATIGEST_ACCESS: agentMode ? 'agent' : 'direct'
      AGENT_SILENCE_PERIODS: string(agentSilencePeriods)
    }
  }
  // A company's secrets are in the vault before the app learns of the company.
  dependsOn: [companyVaultSecrets]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    name: names.alertPrefix
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
    agentMode: agentMode
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = functionApp.outputs.url
output keyVaultName string = keyVault.outputs.name
output keyVaultUrl string = keyVault.outputs.uri
output postgresHost string = postgres.outputs.host
output postgresName string = postgres.outputs.name
output postgresDatabase string = postgres.outputs.databaseName
