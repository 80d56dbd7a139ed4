// The Function App's app settings: those of this template, over those already on the site
// (kept so that a setting set by hand survives `azd provision`). A separate module, deployed
// once the site exists, because list() needs the site in place.
//
// The companies' settings (COMPANY_<NAME>__<SETTING>) are the template's as a whole
// (COMPANY_SETTINGS): those already on the site are dropped before the template's are written,
// so a company removed from COMPANY_SETTINGS loses its settings in the same provision, instead
// of leaving settings for a company the app no longer knows (which it refuses at start).
param siteName string
@description('Settings this template owns; they override any value already set.')
param settings object

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: siteName
}

var current = list('${site.id}/config/appsettings', '2024-04-01').properties
var kept = toObject(filter(items(current), s => (!startsWith(s.key, 'COMPANY_'))), s => (s.key), s => (s.value))

resource appsettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(kept, settings)
}
