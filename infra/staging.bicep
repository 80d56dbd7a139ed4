// The staging server: the connections the deployment may open at once, the SKU that holds them,
// and the firewall rules of agent mode. Evaluated by test/infra/settings-drift.test.ts.
//
// Connections (docs/azure.md, "Connections to the staging database"): Flex Consumption scales
// each function group on its own, up to maximumInstanceCount instances per group (the
// FunctionsScaleAndConcurrency description in the Microsoft.Web API specs,
// Azure/azure-rest-api-specs#45083). One process holds at most STAGING_POOL_MAX pooled
// connections, whatever the number of companies, plus one for its job locks. So:
//   maximumInstanceCount × function groups × (STAGING_POOL_MAX + 1)
//   + the on-site agent in agent mode (one process: STAGING_POOL_MAX + 1)
//   + 5 for the CLI, migrations and an operator's psql
//   ≤ the SKU's user connections (max_connections less the 15 Azure keeps).

@export()
@description('User connections of a PostgreSQL Flexible Server SKU: max_connections less the 15 Azure keeps for replication and monitoring (learn.microsoft.com/azure/postgresql/flexible-server/concepts-limits). 0 for a SKU not listed.')
func userConnections(sku string) int => contains(userConnectionsBySku(), sku) ? userConnectionsBySku()[sku] : 0

@export()
func userConnectionsBySku() object => {
  Standard_B1ms: 35
  Standard_B2s: 414
  Standard_B2ms: 844
  Standard_B4ms: 1703
  Standard_B8ms: 3422
  Standard_B12ms: 4985
  Standard_B16ms: 4985
  Standard_B20ms: 4985
  Standard_D2s_v3: 844
  Standard_D2ds_v4: 844
  Standard_D2ds_v5: 844
  Standard_D2ads_v5: 844
  Standard_D4s_v3: 1703
  Standard_D4ds_v4: 1703
  Standard_D4ds_v5: 1703
  Standard_D4ads_v5: 1703
  Standard_D8s_v3: 3422
  Standard_D8ds_v4: 3422
  Standard_D8ds_v5: 3422
  Standard_D8ads_v5: 3422
  Standard_D16s_v3: 4985
  Standard_D16ds_v4: 4985
  Standard_D16ds_v5: 4985
  Standard_D16ads_v5: 4985
  Standard_D32s_v3: 4985
  Standard_D32ds_v4: 4985
  Standard_D32ds_v5: 4985
  Standard_D32ads_v5: 4985
  Standard_D48s_v3: 4985
  Standard_D48ds_v4: 4985
  Standard_D48ds_v5: 4985
  Standard_D48ads_v5: 4985
  Standard_D64s_v3: 4985
  Standard_D64ds_v4: 4985
  Standard_D64ds_v5: 4985
  Standard_D64ads_v5: 4985
  Standard_D96ds_v5: 4985
  Standard_D96ads_v5: 4985
  Standard_E2s_v3: 1703
  Standard_E2ds_v4: 1703
  Standard_E2ds_v5: 1703
  Standard_E2ads_v5: 1703
  Standard_E4s_v3: 3422
  Standard_E4ds_v4: 3422
  Standard_E4ds_v5: 3422
  Standard_E4ads_v5: 3422
  Standard_E8s_v3: 4985
  Standard_E8ds_v4: 4985
  Standard_E8ds_v5: 4985
  Standard_E8ads_v5: 4985
  Standard_E16s_v3: 4985
  Standard_E16ds_v4: 4985
  Standard_E16ds_v5: 4985
  Standard_E16ads_v5: 4985
  Standard_E32s_v3: 4985
  Standard_E32ds_v4: 4985
  Standard_E32ds_v5: 4985
  Standard_E32ads_v5: 4985
  Standard_E48s_v3: 4985
  Standard_E48ds_v4: 4985
  Standard_E48ds_v5: 4985
  Standard_E48ads_v5: 4985
  Standard_E64s_v3: 4985
  Standard_E64ds_v4: 4985
  Standard_E64ds_v5: 4985
  Standard_E64ads_v5: 4985
  Standard_E20ds_v4: 4985
  Standard_E20ds_v5: 4985
  Standard_E20ads_v5: 4985
  Standard_E96ds_v5: 4985
  Standard_E96ads_v5: 4985
}

@export()
@description('Staging connections the deployment may open at once (formula above).')
func stagingConnections(maximumInstanceCount int, functionGroups int, stagingPoolMax int, agentMode bool) int => maximumInstanceCount * functionGroups * (stagingPoolMax + 1) + (agentMode ? stagingPoolMax + 1 : 0) + 5

@export()
@description('The smallest Burstable SKU whose user connections hold `connections` (the default when POSTGRES_SKU_NAME is empty).')
func smallestBurstableSku(connections int) string => connections <= 35 ? 'Standard_B1ms' : connections <= 414 ? 'Standard_B2s' : connections <= 844 ? 'Standard_B2ms' : connections <= 1703 ? 'Standard_B4ms' : connections <= 3422 ? 'Standard_B8ms' : 'Standard_B12ms'

@export()
@description('The tier of a SKU, from its family (B: Burstable, D: GeneralPurpose, E: MemoryOptimized).')
func skuTier(sku string) string => startsWith(sku, 'Standard_B') ? 'Burstable' : startsWith(sku, 'Standard_E') ? 'MemoryOptimized' : 'GeneralPurpose'

@export()
@description('Why this SKU cannot carry the deployment, in French; empty when it can (or when the SKU is not listed, and so not checked).')
func skuProblem(sku string, tier string, connections int, highAvailability bool) string => connections > 4985 ? 'Connexions au staging : il en faudrait ${connections}, plus qu\'aucun serveur n\'en accepte (4985). Baissez MAXIMUM_INSTANCE_COUNT ou STAGING_POOL_MAX (docs/azure.md, « Connexions au staging »).' : userConnections(sku) > 0 && userConnections(sku) < connections ? 'POSTGRES_SKU_NAME=${sku} accepte ${userConnections(sku)} connexions utilisateur ; ce déploiement peut en ouvrir ${connections} (MAXIMUM_INSTANCE_COUNT × groupes de fonctions × (STAGING_POOL_MAX + 1), plus l\'agent et 5 de réserve). Videz POSTGRES_SKU_NAME (le modèle choisit le SKU qui convient), prenez un SKU plus grand, ou baissez MAXIMUM_INSTANCE_COUNT ou STAGING_POOL_MAX (docs/azure.md, « Connexions au staging »).' : highAvailability && tier == 'Burstable' ? 'POSTGRES_HIGH_AVAILABILITY=true demande un SKU GeneralPurpose ou MemoryOptimized (POSTGRES_SKU_NAME, ex. Standard_D2ds_v5).' : ''

@export()
@description('Firewall rules of the staging server in agent mode: one per address or CIDR range of agentAllowedIps, named after it (so a rule keeps its name when the list is reordered).')
func agentFirewallRules(ips array) array => map(map(ips, ip => (contains(ip, '/') ? ip : '${ip}/32')), cidr => {
  name: 'agent-${replace(replace(cidr, '.', '-'), '/', '-')}'
  startIpAddress: parseCidr(cidr).network
  endIpAddress: parseCidr(cidr).broadcast
})

@export()
@description('What is wrong with the agent-mode settings, in French (empty: nothing).')
func agentProblems(agentMode bool, ips array) array => flatten([
  agentMode && empty(ips) ? ['BATIGEST_ACCESS=agent : AGENT_ALLOWED_IPS est vide, l\'agent sur site ne pourrait pas joindre le staging (ex. azd env set AGENT_ALLOWED_IPS \'["203.0.113.7"]\').'] : []
  agentMode ? map(filter(agentFirewallRules(ips), r => (r.startIpAddress == '0.0.0.0')), r => 'AGENT_ALLOWED_IPS : « ${r.name} » ouvrirait le staging à tout Azure ou à tout Internet ; donnez l\'adresse publique du site.') : []
])
