#!/bin/sh
# After `azd deploy`: test every connection through the deployed app (each company's, when
# COMPANIES lists several) and print the dashboard's address. Reports only: a CLI not logged in or a host still starting never fails a good deploy;
# it says what to run later.
set -u
app="${AZURE_FUNCTION_APP_NAME:-}"
rg="${AZURE_RESOURCE_GROUP:-}"
url="${AZURE_FUNCTION_APP_URL:-}"
later() {
  echo "$1"
  echo "  Plus tard : key=\$(az functionapp keys list --name ${app:-<app>} --resource-group ${rg:-<groupe>} --query functionKeys.default -o tsv)"
  echo "             curl \"${url:-<url>}/api/status?check=true&code=\$key\"   (avec plusieurs sociétés : &company=<société>)"
  echo "Tableau de bord : ${url:-<url>}/api/dashboard?code=<clé de fonction>"
  exit 0
}
[ -n "$app" ] && [ -n "$rg" ] && [ -n "$url" ] || later "Sorties azd absentes : lancez ce script par azd."
command -v az >/dev/null 2>&1 || later "Azure CLI (az) introuvable : test des connexions non fait."
key=$(az functionapp keys list --name "$app" --resource-group "$rg" --query functionKeys.default -o tsv 2>/dev/null)
[ -n "$key" ] || later "Clé de fonction non lue (az non connecté, ou l'hôte démarre encore) : test des connexions non fait."
# With several companies every operator route names one (400 otherwise): one test per company.
companies=$(printf '%s' "${COMPANIES:-}" | tr ',' ' ')
[ -n "$(printf '%s' "$companies" | tr -d ' ')" ] || companies="-"
for company in $companies; do
  if [ "$company" = "-" ]; then
    query="check=true"
    echo "Test des connexions :"
  else
    query="check=true&company=$company"
    echo "Test des connexions de la société $company :"
  fi
  # The host may still be starting after a deploy: a few tries, then give up without failing.
  if status=$(curl -fsS --retry 6 --retry-delay 10 --retry-all-errors --max-time 120 "$url/api/status?$query&code=$key"); then
    printf '%s\n' "$status" | sed 's/^/  /'
  else
    later "L'application ne répond pas encore."
  fi
done
echo
if [ "$companies" = "-" ]; then
  echo "Tableau de bord : $url/api/dashboard?code=<clé de fonction>"
else
  echo "Tableau de bord : $url/api/dashboard?company=<société>&code=<clé de fonction>"
fi
exit 0
