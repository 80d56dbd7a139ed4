// Alerts on the run telemetry ("Fin du job <job> : <status> {…counts}" lines, see src/lib/sync/runner.ts):
// a run that failed, and hours held for more than a day (every heures-to-sqlserver run of the
// last 24 h ended with held records).
param name string
param location string
param tags object
param appInsightsId string
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

resource runFailed 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-${name}-run-failed'
  location: location
  tags: tags
  properties: {
    displayName: 'Connecteur SAGES : une exécution a échoué'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | where message startswith "Fin du job " and message contains ": failed"'
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

resource heldForADay 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
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
          query: 'traces | where message startswith "Fin du job heures-to-sqlserver" | extend held = toint(extract(\'"held":([0-9]+)\', 1, message)) | summarize runs = count(), minHeld = min(held) | where runs > 0 and minHeld > 0'
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
