#!/bin/sh
# Before `azd provision`: what must hold on the subscription before Bicep runs. Idempotent.
#  1. Microsoft.App registered: Flex Consumption's VNet integration delegates the app subnet to
#     Microsoft.App/environments, and ARM does not register that provider by itself.
#  2. A Key Vault of this environment deleted by `azd down` (soft delete, purge protection) is
#     recovered: its name is deterministic, so a new vault of that name cannot be created while
#     the deleted one is kept (up to 90 days).
#  3. Custom DNS servers are a warning: they must forward to Azure DNS (168.63.129.16).
#  4. The JSON settings (COMPANY_SECRETS, COMPANY_SETTINGS, AGENT_ALLOWED_IPS) are checked before
#     azd reads them: azd's own error on bad JSON prints the value, secrets included.
#  5. The names of the secrets already in this environment's vault go to KEY_VAULT_SECRETS_PRESENT:
#     the template writes a given secret only when the vault lacks it (infra/secrets.bicep).
set -u
. "$(dirname "$0")/vault-secrets.sh"

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

# 2. A soft-deleted vault of this environment, found by its tags (`azd down` also removes the
#    previous outputs, AZURE_KEY_VAULT_NAME among them, from the environment).
env_name="${AZURE_ENV_NAME:?AZURE_ENV_NAME manquant}"
deleted=$(az keyvault list-deleted --subscription "$sub" --resource-type vault \
  --query "[?properties.tags.\"azd-env-name\"=='$env_name' && properties.tags.application=='connecteur-sages'].[name, properties.vaultId, properties.location]" \
  -o tsv 2>/dev/null) || fail "impossible de lister les Key Vault supprimés de l'abonnement $sub"
printf '%s\n' "$deleted" | while IFS="$(printf '\t')" read -r vault vault_id vault_location; do
  [ -n "$vault" ] || continue
  # A vault is recovered into its original resource group, which `azd down` deleted.
  rg=$(printf '%s\n' "$vault_id" | sed -n 's|.*/resourceGroups/\([^/]*\)/.*|\1|p')
  [ -n "$rg" ] || fail "groupe de ressources du Key Vault supprimé $vault illisible ($vault_id)"
  echo "Key Vault $vault supprimé (suppression réversible, protection contre le vidage) : récupération dans $rg…"
  az group create --name "$rg" --location "$vault_location" --subscription "$sub" \
    --tags "azd-env-name=$env_name" >/dev/null || fail "impossible de recréer le groupe de ressources $rg"
  az keyvault recover --name "$vault" --subscription "$sub" >/dev/null ||
    fail "impossible de récupérer le Key Vault $vault (voir docs/azure.md, « Key Vault supprimé »)"
done || exit 1

# 3. Custom DNS
dns="${DNS_SERVERS:-}"
if [ -n "$dns" ] && [ "$dns" != "[]" ]; then
  echo "Attention : DNS_SERVERS=$dns. Ces serveurs DOIVENT transférer les noms qu'ils ne connaissent pas"
  echo "  au DNS Azure (168.63.129.16), sinon la Function App ne résout pas le nom privé du serveur"
  echo "  PostgreSQL de staging (zone privée *.private.postgres.database.azure.com). Voir docs/azure.md."
fi

# 4. JSON settings, checked without ever printing their value.
check_json() { # <variable> <object|array>
  value=$(printenv "$1" || true)
  [ -n "$value" ] || return 0
  if ! command -v node >/dev/null 2>&1; then
    echo "Attention : node introuvable, $1 n'est pas vérifié avant azd."
    return 0
  fi
  printf '%s' "$value" | node -e '
    let text = "";
    process.stdin.on("data", (c) => (text += c)).on("end", () => {
      let v;
      try { v = JSON.parse(text); } catch { process.exit(1); }
      const isArray = Array.isArray(v);
      process.exit(process.argv[1] === "array" ? (isArray ? 0 : 2) : v !== null && typeof v === "object" && !isArray ? 0 : 2);
    });' "$2" ||
    fail "$1 n'est pas un JSON valide ($2 attendu ; valeur non affichée). Corrigez-le : azd env set $1 '<JSON>'."
}
check_json COMPANY_SECRETS object
check_json COMPANY_SETTINGS object
check_json AGENT_ALLOWED_IPS array

# 5. Secrets already in the vault (after 2., which may have recovered it).
vault_id=$(az keyvault list --subscription "$sub" \
  --query "[?tags.\"azd-env-name\"=='$env_name' && tags.application=='connecteur-sages'].id | [0]" -o tsv 2>/dev/null) ||
  fail "impossible de lister les Key Vault de l'abonnement $sub"
if [ -z "$vault_id" ]; then
  present='[]'
else
  names=$(vault_secret_names "$vault_id" 2>/dev/null) ||
    fail "impossible de lire les noms des secrets de ${vault_id##*/} par Azure Resource Manager (rôle Lecteur sur le coffre requis). Sans eux, le modèle pourrait réécrire des secrets changés dans le coffre."
  present=$(printf '%s\n' "$names" | json_names)
fi
azd env set KEY_VAULT_SECRETS_PRESENT "$present" >/dev/null ||
  fail "impossible d'enregistrer KEY_VAULT_SECRETS_PRESENT dans l'environnement azd"
exit 0
