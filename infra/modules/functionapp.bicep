// The Function App on Flex Consumption (Linux), running as the user-assigned identity, joined to
// the app subnet, with identity-based host storage and deployment package.
param name string
param planName string
param location string
param tags object
param nodeVersion string
@description('Scale-out cap, sized with STAGING_POOL_MAX against the staging server\'s connections (docs/azure.md).')
param maximumInstanceCount int
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerUrl string
param appSubnetId string
param appInsightsConnectionString string
@description('The connector\'s own settings (no secret: those are in Key Vault).')
param appSettings object
@description('The companies\' settings, COMPANY_<NAME>__<SETTING>; the template owns every COMPANY_ setting (appsettings.bicep).')
param companySettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

// Read by the Functions host, not by the connector's code.
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: appSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: 2048 }
      runtime: { name: 'node', version: nodeVersion }
    }
  }
}

// `sites/config/appsettings` replaces the whole list. Settings an operator added by hand (an
// optional tuning setting, infra/optional-settings.json) are read back and kept; the ones this
// template sets always win. Same approach as the AVM web/site module's currentAppSettings.
module settings 'appsettings.bicep' = {
  name: 'appsettings'
  params: {
    siteName: site.name
    settings: union(hostSettings, appSettings, companySettings)
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
