// The app's VNet: a subnet delegated to Flex Consumption (Microsoft.App/environments), one for
// PostgreSQL Flexible Server (delegated to the server in vpn mode, holding its private endpoint
// in agent mode), and optionally a site-to-site VPN to the customer's network. Flex Consumption
// has no Hybrid Connections: a VPN (or ExpressRoute) is how the Function reaches an on-premises
// SQL Server; in agent mode an agent on site does instead, and no gateway is deployed.
param name string
param appNsgName string
param postgresNsgName string
param location string
param tags object
param addressPrefix string
param appSubnetPrefix string
param postgresSubnetPrefix string
param gatewaySubnetPrefix string
@description('Agent mode: snet-postgres holds the server\'s private endpoint, so it carries no delegation.')
param agentMode bool
@description('Custom DNS servers; they must forward to Azure DNS (168.63.129.16) for the PostgreSQL private zone.')
param dnsServers array
param deployVpnGateway bool
param vpnGatewaySku string
param onPremisesGatewayIp string
param onPremisesAddressPrefixes array
@secure()
param vpnSharedKey string

// Default NSG rules (VNet to VNet, outbound allowed, inbound from the internet denied) are what
// both subnets need; the NSGs make that explicit and give a place for stricter rules.
// GatewaySubnet takes no NSG.
resource appNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: appNsgName
  location: location
  tags: tags
  properties: { securityRules: [] }
}

resource postgresNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: postgresNsgName
  location: location
  tags: tags
  properties: { securityRules: [] }
}

var appSubnet = {
  name: 'snet-app'
  properties: {
    addressPrefix: appSubnetPrefix
    networkSecurityGroup: { id: appNsg.id }
    delegations: [
      { name: 'flex', properties: { serviceName: 'Microsoft.App/environments' } }
    ]
    // Key Vault and Storage are reached over service endpoints, so their firewalls can name this subnet.
    serviceEndpoints: [
      { service: 'Microsoft.KeyVault' }
      { service: 'Microsoft.Storage' }
    ]
  }
}
var postgresSubnet = {
  name: 'snet-postgres'
  properties: {
    addressPrefix: postgresSubnetPrefix
    networkSecurityGroup: { id: postgresNsg.id }
    // A subnet with a delegation takes no private endpoint.
    delegations: agentMode ? [] : [
      { name: 'postgres', properties: { serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers' } }
    ]
  }
}
var gatewaySubnet = {
  name: 'GatewaySubnet'
  properties: { addressPrefix: gatewaySubnetPrefix }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    dhcpOptions: empty(dnsServers) ? null : { dnsServers: dnsServers }
    subnets: deployVpnGateway ? [appSubnet, postgresSubnet, gatewaySubnet] : [appSubnet, postgresSubnet]
  }
}

resource gatewayIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = if (deployVpnGateway) {
  name: 'pip-${name}-vpn'
  location: location
  tags: tags
  sku: { name: 'Standard' }
  zones: ['1', '2', '3']
  properties: { publicIPAllocationMethod: 'Static' }
}

resource vpnGateway 'Microsoft.Network/virtualNetworkGateways@2024-05-01' = if (deployVpnGateway) {
  name: 'vgw-${name}'
  location: location
  tags: tags
  properties: {
    gatewayType: 'Vpn'
    vpnType: 'RouteBased'
    sku: { name: vpnGatewaySku, tier: vpnGatewaySku }
    ipConfigurations: [
      {
        name: 'default'
        properties: {
          subnet: { id: '${vnet.id}/subnets/GatewaySubnet' }
          publicIPAddress: { id: gatewayIp.id }
        }
      }
    ]
  }
}

resource localGateway 'Microsoft.Network/localNetworkGateways@2024-05-01' = if (deployVpnGateway) {
  name: 'lgw-${name}'
  location: location
  tags: tags
  properties: {
    gatewayIpAddress: onPremisesGatewayIp
    localNetworkAddressSpace: { addressPrefixes: onPremisesAddressPrefixes }
  }
}

resource connection 'Microsoft.Network/connections@2024-05-01' = if (deployVpnGateway) {
  name: 'cn-${name}-onprem'
  location: location
  tags: tags
  properties: {
    connectionType: 'IPsec'
    virtualNetworkGateway1: { id: vpnGateway.id, properties: {} }
    localNetworkGateway2: { id: localGateway.id, properties: {} }
    sharedKey: vpnSharedKey
  }
}

output vnetId string = vnet.id
output appSubnetId string = '${vnet.id}/subnets/snet-app'
output postgresSubnetId string = '${vnet.id}/subnets/snet-postgres'
