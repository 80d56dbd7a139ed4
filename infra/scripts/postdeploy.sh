#!/bin/sh
# After `azd deploy`: test every connection through the deployed app and print the dashboard's address.
set -eu
app="${AZURE_FUNCTION_APP_NAME:?AZURE_FUNCTION_APP_NAME missing (run through azd)}"
rg="${AZURE_RESOURCE_GROUP:?AZURE_RESOURCE_GROUP missing}"
key=$(az functionapp keys list --name "$app" --resource-group "$rg" --query functionKeys.default -o tsv)
url="${AZURE_FUNCTION_APP_URL:?}"
echo "Test des connexions :"
curl -fsS "$url/api/status?check=true&code=$key" | sed 's/^/  /' || echo "  (échec : voir le tableau de bord)"
echo
echo "Tableau de bord : $url/api/dashboard?code=<clé de fonction>"
