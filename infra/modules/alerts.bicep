// Alerts on the run telemetry. Every run outcome is logged through one path as
// "Fin du job <job> : <statut en français>" with customDimensions.event = 'run.finished' and
// customDimensions.status (a run that never started too, with status 'failed'); a function
// invocation that throws shows as a failed request. Both count as "a run failed".
// Hours held for more than a day: every heures-to-sqlserver run of the last 24 h held records.
param name string
param location string
param tags object
param appInsightsId string
@description('Alert e-mail; empty: the alerts fire in the portal only (postprovision warns).')
param alertEmail string

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
