// The Function App's app settings: those of this template, over those already on the site
// (kept so that a setting set by hand survives `azd provision`). A separate module, deployed
// once the site exists, because list() needs the site in place.
param siteName string
@description('Settings this template owns; they override any value already set.')
param settings object

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: siteName
}

var current = list('${site.id}/config/appsettings', '2024-04-01').properties

resource appsettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(current, settings)
}
