// Azure Database for PostgreSQL Flexible Server for the staging database, HA and geo-backup off
// unless asked. Its network depends on where Batigest lives (main.bicep batigestAccess):
// - vpn: injected in the app's VNet, no public access: reachable only from the app's network;
// - agent: public access limited to the agent's addresses (firewall rules, agentAllowedIps),
//   TLS required; the Function App reaches it through a private endpoint in the VNet, whose
//   private DNS zone makes the same host name resolve to the private address there.
// A server's network mode is fixed when it is created: changing batigestAccess on an existing
// environment needs a new server (docs/azure.md, "Agent mode").
param name string
param location string
param tags object
param version string
param skuName string
param skuTier string
param storageGB int
param highAvailability bool
param geoRedundantBackup bool
@secure()
param administratorPassword string
@description('snet-postgres: delegated to the server (vpn mode), or holding its private endpoint (agent mode).')
param postgresSubnetId string
param virtualNetworkId string
param agentMode bool
@description('{ name, startIpAddress, endIpAddress } per address of the agent (staging.bicep agentFirewallRules).')
param agentFirewallRules array

var administratorLogin = 'connecteur'
var databaseName = 'staging'

// vpn mode: the zone of a VNet-injected server.
resource dnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = if (!agentMode) {
  name: '${name}.private.postgres.database.azure.com'
  location: 'global'
  tags: tags
}

resource dnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = if (!agentMode) {
  parent: dnsZone
  name: 'app-vnet'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: virtualNetworkId }
  }
}

// agent mode: the Private Link zone, where the private endpoint registers the server's name.
resource privateLinkZone 'Microsoft.Network/privateDnsZones@2024-06-01' = if (agentMode) {
  name: 'privatelink.postgres.database.azure.com'
  location: 'global'
  tags: tags
}

resource privateLinkZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = if (agentMode) {
  parent: privateLinkZone
  name: 'app-vnet'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: virtualNetworkId }
  }
}

var vnetNetwork = {
  delegatedSubnetResourceId: postgresSubnetId
  privateDnsZoneArmResourceId: dnsZone.id
  publicNetworkAccess: 'Disabled'
}
var agentNetwork = {
  publicNetworkAccess: 'Enabled'
}

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName, tier: skuTier }
  properties: {
    version: version
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    storage: { storageSizeGB: storageGB, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 7, geoRedundantBackup: geoRedundantBackup ? 'Enabled' : 'Disabled' }
    highAvailability: { mode: highAvailability ? 'ZoneRedundant' : 'Disabled' }
    network: agentMode ? agentNetwork : vnetNetwork
    authConfig: { passwordAuth: 'Enabled', activeDirectoryAuth: 'Disabled' }
  }
  dependsOn: [dnsLink]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

// One operation at a time on a flexible server: the rules one by one, after the database.
@batchSize(1)
resource agentRules 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = [
  for rule in (agentMode ? agentFirewallRules : []): {
    parent: server
    name: rule.name
    properties: { startIpAddress: rule.startIpAddress, endIpAddress: rule.endIpAddress }
    dependsOn: [database]
  }
]

// The agent crosses the Internet: no connection without TLS (Azure's default, made explicit
// and kept so in agent mode).
resource secureTransport 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = if (agentMode) {
  parent: server
  name: 'require_secure_transport'
  properties: { value: 'on', source: 'user-override' }
  dependsOn: [agentRules]
}

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = if (agentMode) {
  name: 'pe-${name}'
  location: location
  tags: tags
  properties: {
    subnet: { id: postgresSubnetId }
    privateLinkServiceConnections: [
      {
        name: 'postgres'
        properties: { privateLinkServiceId: server.id, groupIds: ['postgresqlServer'] }
      }
    ]
  }
  dependsOn: [secureTransport]
}

resource privateEndpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = if (agentMode) {
  parent: privateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [{ name: 'postgres', properties: { privateDnsZoneId: privateLinkZone.id } }]
  }
  dependsOn: [privateLinkZoneLink]
}

output name string = server.name
output host string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
output administratorLogin string = administratorLogin
