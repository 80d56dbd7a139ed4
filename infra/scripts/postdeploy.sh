#!/bin/sh
# After `azd deploy`: test every connection through the deployed app and print the dashboard's
# address. Reports only: a CLI not logged in or a host still starting never fails a good deploy;
# it says what to run later.
set -u
app="${AZURE_FUNCTION_APP_NAME:-}"
rg="${AZURE_RESOURCE_GROUP:-}"
url="${AZURE_FUNCTION_APP_URL:-}"
later() {
  echo "$1"
  echo "  Plus tard : key=\$(az functionapp keys list --name ${app:-<app>} --resource-group ${rg:-<groupe>} --query functionKeys.default -o tsv)"
  echo "             curl \"${url:-<url>}/api/status?check=true&code=\$key\""
  echo "Tableau de bord : ${url:-<url>}/api/dashboard?code=<clé de fonction>"
  exit 0
}
[ -n "$app" ] && [ -n "$rg" ] && [ -n "$url" ] || later "Sorties azd absentes : lancez ce script par azd."
command -v az >/dev/null 2>&1 || later "Azure CLI (az) introuvable : test des connexions non fait."
key=$(az functionapp keys list --name "$app" --resource-group "$rg" --query functionKeys.default -o tsv 2>/dev/null)
[ -n "$key" ] || later "Clé de fonction non lue (az non connecté, ou l'hôte démarre encore) : test des connexions non fait."
echo "Test des connexions :"
# The host may still be starting after a deploy: a few tries, then give up without failing.
if status=$(curl -fsS --retry 6 --retry-delay 10 --retry-all-errors --max-time 120 "$url/api/status?check=true&code=$key"); then
  printf '%s\n' "$status" | sed 's/^/  /'
else
  later "L'application ne répond pas encore."
fi
echo
echo "Tableau de bord : $url/api/dashboard?code=<clé de fonction>"
exit 0
