#!/bin/sh
# Before `azd provision`: what must hold on the subscription before Bicep runs. Idempotent.
#  1. Microsoft.App registered: Flex Consumption's VNet integration delegates the app subnet to
#     Microsoft.App/environments, and ARM does not register that provider by itself.
#  2. A Key Vault of this environment deleted by `azd down` (soft delete, purge protection) is
#     recovered: its name is deterministic, so a new vault of that name cannot be created while
#     the deleted one is kept (up to 90 days).
#  3. Custom DNS servers are a warning: they must forward to Azure DNS (168.63.129.16).
set -u

fail() {
  echo "preprovision : $*" >&2
  exit 1
}

command -v az >/dev/null 2>&1 || fail "Azure CLI (az) introuvable. Installez-la, puis 'az login', et relancez 'azd provision'."
sub="${AZURE_SUBSCRIPTION_ID:-}"
[ -n "$sub" ] || fail "AZURE_SUBSCRIPTION_ID manquant (lancez ce script par azd)."
az account show --subscription "$sub" --query id -o tsv >/dev/null 2>&1 ||
  fail "Azure CLI non connectée à l'abonnement $sub : lancez 'az login' (même compte que 'azd auth login'), puis relancez."

# 1. Microsoft.App
state=$(az provider show --namespace Microsoft.App --subscription "$sub" --query registrationState -o tsv 2>/dev/null)
if [ "$state" != "Registered" ]; then
  echo "Enregistrement du fournisseur de ressources Microsoft.App (intégration VNet de Flex Consumption)…"
  az provider register --namespace Microsoft.App --subscription "$sub" --wait >/dev/null ||
    fail "impossible d'enregistrer Microsoft.App (droit requis : Contributeur sur l'abonnement). Faites-le enregistrer : az provider register --namespace Microsoft.App"
fi

# 2. A soft-deleted vault of this environment (name known from the previous provision's outputs).
vault="${AZURE_KEY_VAULT_NAME:-}"
if [ -n "$vault" ] && ! az keyvault show --name "$vault" --subscription "$sub" --query id -o tsv >/dev/null 2>&1; then
  if az keyvault show-deleted --name "$vault" --subscription "$sub" --query id -o tsv >/dev/null 2>&1; then
    rg="${AZURE_RESOURCE_GROUP:?AZURE_RESOURCE_GROUP manquant}"
    echo "Key Vault $vault supprimé (suppression réversible) : récupération dans $rg…"
    # A vault is recovered into its original resource group, which `azd down` deleted.
    az group create --name "$rg" --location "${AZURE_LOCATION:?AZURE_LOCATION manquant}" --subscription "$sub" \
      --tags "azd-env-name=${AZURE_ENV_NAME:-}" >/dev/null || fail "impossible de recréer le groupe de ressources $rg"
    az keyvault recover --name "$vault" --subscription "$sub" >/dev/null ||
      fail "impossible de récupérer le Key Vault $vault (voir docs/azure.md, « Key Vault supprimé »)"
  fi
fi

# 3. Custom DNS
dns="${DNS_SERVERS:-}"
if [ -n "$dns" ] && [ "$dns" != "[]" ]; then
  echo "Attention : DNS_SERVERS=$dns. Ces serveurs DOIVENT transférer les noms qu'ils ne connaissent pas"
  echo "  au DNS Azure (168.63.129.16), sinon la Function App ne résout pas le nom privé du serveur"
  echo "  PostgreSQL de staging (zone privée *.private.postgres.database.azure.com). Voir docs/azure.md."
fi
exit 0
