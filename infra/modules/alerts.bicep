// Alerts on the run telemetry. Every run outcome is logged through one path as
// "Fin du job <job> : <statut en français>" with customDimensions.event = 'run.finished' and
// customDimensions.status (a run that never started too, with status 'failed'); a function
// invocation that throws shows as a failed request. Both count as "a run failed".
// Hours held for more than a day: every heures-to-sqlserver run of the last 24 h held records.
// Agent mode: the agent on site is silent (one alert per company).
param name string
param location string
param tags object
param appInsightsId string
@description('Alert e-mail; empty: the alerts fire in the portal only (postprovision warns).')
param alertEmail string
@description('batigestAccess == agent: the agent-silent rule is deployed.')
param agentMode bool

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${name}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take('connecteur', 12)
    enabled: true
    emailReceivers: [{ name: 'integrateur', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var actions = empty(alertEmail) ? {} : { actionGroups: [actionGroup.id] }

// A failed invocation: the function threw (timer or queue trigger), or an HTTP route answered 5xx.
// A 4xx answer (bad input, job already running) is the caller's matter, not a failure.
// The message test covers a host that puts the fields in the message text rather than in
// customDimensions (the Node worker's context.info does so).
var runFailedQuery = '''
union
  (traces
    | where (tostring(customDimensions.event) == "run.finished" and tostring(customDimensions.status) == "failed")
        or message matches regex @"^Fin du job \S+ : échec\b"),
  (requests
    | where success == false and not(resultCode startswith "4"))
'''

resource runFailed 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-run-failed'
  location: location
  tags: tags
  properties: {
    displayName: 'Connecteur SAGES : une exécution a échoué'
    description: 'Un run terminé en échec (run.finished, status failed) ou une invocation de fonction en échec.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: runFailedQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: actions
  }
}

var heldQuery = '''
traces
| where message startswith "Fin du job heures-to-sqlserver "
| extend held = coalesce(toint(customDimensions.held), toint(extract('"held":([0-9]+)', 1, message)))
| summarize runs = count(), minHeld = min(held)
| where runs > 0 and minHeld > 0
'''

resource heldForADay 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-held-24h'
  location: location
  tags: tags
  properties: {
    displayName: 'Connecteur SAGES : des heures sont retenues depuis plus d\'un jour'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1H'
    windowSize: 'P1D'
    criteria: {
      allOf: [
        {
          query: heldQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: actions
  }
}

// While a company's agent has been silent for longer than AGENT_SILENCE_PERIODS × its shortest
// schedule, the cloud side logs one line per timer tick with customDimensions.event =
// 'agent.silent', company and silentMinutes (or those fields as JSON in the message, as the Node
// worker writes them). The rule splits by company: one alert per silent company, resolved by
// itself once its agent is heard again (no line in the window).
var agentSilentQuery = '''
traces
| extend event = coalesce(tostring(customDimensions.event), extract('"event":"([^"]+)"', 1, message))
| where event == "agent.silent"
| extend company = coalesce(tostring(customDimensions.company), extract('"company":"([^"]*)"', 1, message)),
         silentMinutes = coalesce(toint(customDimensions.silentMinutes), toint(extract('"silentMinutes":([0-9]+)', 1, message)))
| project timestamp, company, silentMinutes
'''

resource agentSilent 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = if (agentMode) {
  name: 'alert-${name}-agent-silent'
  location: location
  tags: tags
  properties: {
    displayName: 'Connecteur SAGES : l\'agent sur site ne donne plus signe de vie'
    description: 'Aucun battement de cœur de l\'agent depuis plus de AGENT_SILENCE_PERIODS périodes de sa planification la plus courte (event agent.silent), par société.'
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    // One hour holds a tick of either timer on their default schedules (15 minutes, hourly).
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: agentSilentQuery
          timeAggregation: 'Count'
          dimensions: [{ name: 'company', operator: 'Include', values: ['*'] }]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: actions
  }
}
