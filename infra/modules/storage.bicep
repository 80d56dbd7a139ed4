// The Functions host's storage (AzureWebJobsStorage, identity-based) and the deployment package
// container of Flex Consumption. Shared keys are disabled: only the managed identity gets in.
param name string
param location string
param tags object
param principalId string
param appSubnetId string
@description('Deny every network but the app subnet (service endpoint) and trusted Azure services.')
param restrictToVnet bool

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    networkAcls: restrictToVnet
      ? {
          bypass: 'AzureServices'
          defaultAction: 'Deny'
          virtualNetworkRules: [{ id: appSubnetId, action: 'Allow' }]
        }
      : { bypass: 'AzureServices', defaultAction: 'Allow' }
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource deployment 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: 'deployment-package'
}

// Blob: the host's timer leases and the deployment package. Queue: the run queue
// (modules/queue.bicep). No Table role: neither the host nor the app uses tables.
var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(roles): {
    name: guid(account.id, principalId, role.value)
    scope: account
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
    }
  }
]

output name string = account.name
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deployment.name}'
