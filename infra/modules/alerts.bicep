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

// The fields of a line, from customDimensions or, as the Node worker writes them, from the JSON
// at the end of the message ("<texte> {"event":"run.finished",…}"). Every rule below reads
// company and job that way and alerts per company and job (dimensions), so that one company
// never hides another.
// A run failed: only final failures. A queue delivery that fails to start the run is thrown on
// purpose so that the host tries again (run.finished, started false, dequeueCount below 5): not
// counted; a run that started and failed, the last delivery abandoned, a timer that could not
// queue (timer.failed) are.
var runFailedQuery = '''
traces
| extend event = coalesce(tostring(customDimensions.event), extract('"event":"([^"]+)"', 1, message)),
         status = coalesce(tostring(customDimensions.status), extract('"status":"([^"]+)"', 1, message)),
         started = coalesce(tostring(customDimensions.started), extract('"started":(true|false)', 1, message)),
         dequeueCount = coalesce(toint(customDimensions.dequeueCount), toint(extract('"dequeueCount":([0-9]+)', 1, message))),
         company = coalesce(tostring(customDimensions.company), extract('"company":"([^"]*)"', 1, message)),
         job = coalesce(tostring(customDimensions.job), extract('"job":"([^"]*)"', 1, message))
| where (event == "run.finished" and status == "failed") or event == "timer.failed"
| where not(started == "false" and isnotnull(dequeueCount) and dequeueCount < 5)
| summarize failures = count() by company, job
'''

resource runFailed 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${name}-run-failed'
  location: location
  tags: tags
  properties: {
    displayName: 'Connecteur SAGES : une exécution a échoué'
    description: 'Un run terminé en échec pour de bon (run.finished, status failed, hors livraison qui sera retentée) ou un minuteur qui n\'a pas pu lancer son job, par société et job.'
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
          dimensions: [{ name: 'company', operator: 'Include', values: ['*'] }, { name: 'job', operator: 'Include', values: ['*'] }]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: actions
  }
}

// Per company: every heures-to-sqlserver run of the last 24 h held records (a min across
// companies would let one company hide another).
var heldQuery = '''
traces
| extend event = coalesce(tostring(customDimensions.event), extract('"event":"([^"]+)"', 1, message)),
         job = coalesce(tostring(customDimensions.job), extract('"job":"([^"]*)"', 1, message)),
         company = coalesce(tostring(customDimensions.company), extract('"company":"([^"]*)"', 1, message)),
         held = coalesce(toint(customDimensions.held), toint(extract('"held":([0-9]+)', 1, message)))
| where event == "run.finished" and job == "heures-to-sqlserver"
| summarize runs = count(), minHeld = min(held) by company
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

// No successful run of a timer's job for ALERT_NO_SUCCESS_PERIODS × its schedule: the timers log
// one line per tick while it lasts (event job.no-success), per company and job.
var noSuccessQuery = '''
traces
| extend event = coalesce(tostring(customDimensions.event), extract('"event":"([^"]+)"', 1, message)),
         company = coalesce(tostring(customDimensions.company), extract('"company":"([^"]*)"', 1, message)),
         job = coalesce(tostring(customDimensions.job), extract('"job":"([^"]*)"', 1, message))
| where event == "job.no-success"
| project timestamp, company, job
'''

// A message in the poison queue (its handler logs queue.poison), or the last delivery could not
// mark its run and threw it there (run.poisoned).
var poisonQuery = '''
traces
| extend event = coalesce(tostring(customDimensions.event), extract('"event":"([^"]+)"', 1, message)),
         company = coalesce(tostring(customDimensions.company), extract('"company":"([^"]*)"', 1, message)),
         job = coalesce(tostring(customDimensions.job), extract('"job":"([^"]*)"', 1, message))
| where event in ("queue.poison", "run.poisoned")
| project timestamp, company, job
'''

// A run that waited in the queue longer than 15 minutes before a worker took it (run.dequeued,
// waitedSeconds), or a dead run found blocking its job and reclaimed (run.reclaimed).
var queueAgeQuery = '''
traces
| extend event = coalesce(tostring(customDimensions.event), extract('"event":"([^"]+)"', 1, message)),
         company = coalesce(tostring(customDimensions.company), extract('"company":"([^"]*)"', 1, message)),
         job = coalesce(tostring(customDimensions.job), extract('"job":"([^"]*)"', 1, message)),
         waitedSeconds = coalesce(toint(customDimensions.waitedSeconds), toint(extract('"waitedSeconds":([0-9]+)', 1, message)))
| where (event == "run.dequeued" and waitedSeconds > 900) or event == "run.reclaimed"
| project timestamp, company, job
'''

var perCompanyAndJob = [{ name: 'company', operator: 'Include', values: ['*'] }, { name: 'job', operator: 'Include', values: ['*'] }]

var healRules = [
  {
    key: 'no-success'
    displayName: 'Connecteur SAGES : un job n\'a plus réussi depuis trop longtemps'
    description: 'Aucune exécution réussie du job pour la société depuis ALERT_NO_SUCCESS_PERIODS périodes de sa planification (event job.no-success).'
    query: noSuccessQuery
    frequency: 'PT15M'
    window: 'PT1H'
  }
  {
    key: 'poison'
    displayName: 'Connecteur SAGES : un message est dans la file des abandons'
    description: 'Un message d\'exécution a épuisé ses livraisons (file connecteur-runs-poison).'
    query: poisonQuery
    frequency: 'PT15M'
    window: 'PT15M'
  }
  {
    key: 'queue-age'
    displayName: 'Connecteur SAGES : une exécution a trop attendu dans la file'
    description: 'Une exécution a attendu plus de 15 minutes dans la file, ou une exécution morte bloquait son job (reprise).'
    query: queueAgeQuery
    frequency: 'PT15M'
    window: 'PT15M'
  }
]

resource healAlerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in healRules: {
    name: 'alert-${name}-${rule.key}'
    location: location
    tags: tags
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: 2
      enabled: true
      scopes: [appInsightsId]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            dimensions: perCompanyAndJob
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      actions: actions
    }
  }
]
