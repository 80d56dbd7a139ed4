#!/bin/sh
# After `azd provision`: what Bicep cannot say. Lists the Key Vault secrets still to set (the
# deployer has Key Vault Secrets Officer, deployerPrincipalId), and warns when no alert e-mail
# is set. Reports only: never fails a provision that succeeded.
set -u
vault="${AZURE_KEY_VAULT_NAME:-}"
if [ -z "$vault" ]; then
  echo "AZURE_KEY_VAULT_NAME absent : lancez ce script par azd."
  exit 0
fi

if ! command -v az >/dev/null 2>&1; then
  echo "Azure CLI (az) introuvable : secrets de $vault non vérifiés. Ils se vérifient aussi par le tableau de bord (connexions)."
elif names=$(az keyvault secret list --vault-name "$vault" --query "[].name" -o tsv 2>/dev/null); then
  missing=""
  for secret in staging-database-url batigest-sql-password batisimply-client-secret batisimply-password; do
    printf '%s\n' "$names" | grep -qx "$secret" || missing="$missing $secret"
  done
  if [ -n "$missing" ]; then
    echo "Secrets à renseigner dans Key Vault $vault :$missing"
    echo "  az keyvault secret set --vault-name $vault --name <nom> --file <fichier contenant la valeur>"
    echo "  (batisimply-client-secret ne sert qu'avec BATISIMPLY_GRANT_TYPE=client_credentials)"
  else
    echo "Key Vault $vault : les 4 secrets sont présents."
  fi
else
  echo "Impossible de lire la liste des secrets de $vault depuis ce poste : pare-feu du coffre ou rôle manquant."
  echo "  Pare-feu : azd env set KEY_VAULT_ALLOWED_IPS '[\"<votre IP publique>/32\"]' puis azd provision."
  echo "  Rôle : le compte qui lance azd reçoit Key Vault Secrets Officer (AZURE_PRINCIPAL_ID) ; la propagation prend quelques minutes."
  echo "  Sans cela, l'état des connexions reste visible sur le tableau de bord (GET /api/status?check=true)."
fi

if [ -z "${ALERT_EMAIL:-}" ]; then
  echo "Attention : ALERT_EMAIL vide, les alertes (run en échec, heures retenues) ne préviennent personne."
  echo "  azd env set ALERT_EMAIL <adresse> puis azd provision."
fi
echo "SQL Server Batigest : la Function App le joint depuis le VNet (VPN site à site, ExpressRoute ou DNS personnalisé : voir docs/azure.md)."
exit 0
