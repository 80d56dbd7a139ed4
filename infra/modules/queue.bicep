// The run queue on the host's storage account: POST /api/<job> and the timers put a message
// here, the queue trigger (src/functions/queue.ts) executes it, and the host moves a message it
// gave up on to the poison queue. The app's identity sends and receives with
// Storage Queue Data Contributor on these two queues; storage.bicep grants it on the account as
// well, which the connector's createIfNotExists and the host's listeners use.
param storageAccountName string
param principalId string

// Names in src/lib/queue/client.ts (RUNS_QUEUE, RUNS_POISON_QUEUE).
var queueNames = ['connecteur-runs', 'connecteur-runs-poison']
var queueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for name in queueNames: {
    parent: queueService
    name: name
  }
]

resource contributors 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in queueNames: {
    name: guid(queues[i].id, principalId, queueDataContributor)
    scope: queues[i]
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', queueDataContributor)
    }
  }
]

output queueName string = queueNames[0]
