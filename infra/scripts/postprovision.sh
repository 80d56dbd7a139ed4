#!/bin/sh
# After `azd provision`: what Bicep cannot do. It reports the Key Vault secrets still missing
# (they can be set without ever passing through app settings) and the network path to SQL Server.
set -eu
vault="${AZURE_KEY_VAULT_NAME:?AZURE_KEY_VAULT_NAME missing (run through azd)}"
missing=""
for secret in staging-database-url batigest-sql-password batisimply-client-secret batisimply-password; do
  if ! az keyvault secret show --vault-name "$vault" --name "$secret" --query id -o tsv >/dev/null 2>&1; then
    missing="$missing $secret"
  fi
done
if [ -n "$missing" ]; then
  echo "Secrets à renseigner dans Key Vault $vault :$missing"
  echo "  az keyvault secret set --vault-name $vault --name <nom> --file <fichier contenant la valeur>"
  echo "(Key Vault n'accepte que le sous-réseau de l'application et les IP de keyVaultAllowedIps.)"
fi
echo "SQL Server Batigest : la Function App le joint depuis le VNet (VPN site à site, ExpressRoute ou DNS personnalisé : voir README)."
