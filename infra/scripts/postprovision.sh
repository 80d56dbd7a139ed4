#!/bin/sh
# After `azd provision`: what Bicep cannot say or do. Lists the Key Vault secrets still to set,
# the companies' included (names read through Azure Resource Manager, which the vault's firewall
# does not close); in agent mode, removes the firewall rules of addresses taken out of
# AGENT_ALLOWED_IPS (ARM never deletes them) and prints the agent's settings for the integrator,
# never its password; warns when no alert e-mail is set. Never fails a provision that succeeded.
set -u
. "$(dirname "$0")/vault-secrets.sh"
vault="${AZURE_KEY_VAULT_NAME:-}"
if [ -z "$vault" ]; then
  echo "AZURE_KEY_VAULT_NAME absent : lancez ce script par azd."
  exit 0
fi
mode="${DEPLOYED_BATIGEST_ACCESS:-vpn}"
rg="${AZURE_RESOURCE_GROUP:-}"
server="${STAGING_POSTGRES_SERVER:-}"

# The secrets the connector reads (src/lib/config.ts SECRET_SETTINGS, src/lib/companies.ts):
# the shared ones, then the flat company's (COMPANIES empty or listing default) and each named
# company's, prefixed with its name. In agent mode the cloud side never reads Batigest's password.
password_secret() { # <prefix> <grant type>
  if [ "$2" = "client_credentials" ]; then echo "${1}batisimply-client-secret"; else echo "${1}batisimply-password"; fi
}
expected="staging-database-url"
[ "$mode" = "agent" ] && expected="$expected agent-staging-password agent-staging-database-url"
companies=$(printf '%s' "${COMPANIES:-}" | tr ',' ' ')
[ -n "$(printf '%s' "$companies" | tr -d ' ')" ] || companies="default"
for company in $companies; do
  if [ "$company" = "default" ]; then prefix=""; else prefix="$company-"; fi
  [ "$mode" = "agent" ] || expected="$expected ${prefix}batigest-sql-password"
  # A named company's grant type is in COMPANY_SETTINGS; password is the default.
  grant="${BATISIMPLY_GRANT_TYPE:-password}"
  [ -n "$prefix" ] && grant="password"
  expected="$expected $(password_secret "$prefix" "$grant")"
done

if ! command -v az >/dev/null 2>&1; then
  echo "Azure CLI (az) introuvable : secrets de $vault non vérifiés. Ils se vérifient aussi par le tableau de bord (connexions)."
elif vault_id=$(az keyvault show --name "$vault" --query id -o tsv 2>/dev/null) && names=$(vault_secret_names "$vault_id" 2>/dev/null); then
  missing=""
  for secret in $expected; do
    printf '%s\n' "$names" | grep -qx "$secret" || missing="$missing $secret"
  done
  if [ -n "$missing" ]; then
    echo "Secrets à renseigner dans Key Vault $vault :$missing"
    echo "  az keyvault secret set --vault-name $vault --name <nom> --file <fichier contenant la valeur>"
    echo "  (depuis une adresse de KEY_VAULT_ALLOWED_IPS : azd env set KEY_VAULT_ALLOWED_IPS '[\"<votre IP publique>/32\"]' puis azd provision)"
    echo "  (<société>-batisimply-client-secret au lieu de <société>-batisimply-password avec BATISIMPLY_GRANT_TYPE=client_credentials)"
  else
    echo "Key Vault $vault : les secrets attendus sont présents."
  fi
  echo "  Un secret déjà présent n'est jamais réécrit par azd provision : changez-le dans le coffre (docs/azure.md)."
else
  echo "Impossible de lire la liste des secrets de $vault depuis ce poste : rôle Lecteur manquant sur le coffre, ou az non connecté."
  echo "  Sans cela, l'état des connexions reste visible sur le tableau de bord (GET /api/status?check=true)."
fi

if [ "$mode" = "agent" ]; then
  # Addresses taken out of AGENT_ALLOWED_IPS: their rules stay until deleted (ARM only adds).
  if [ -n "$rg" ] && [ -n "$server" ] && command -v az >/dev/null 2>&1 &&
    rules=$(az postgres flexible-server firewall-rule list --resource-group "$rg" --name "$server" --query "[].name" -o tsv 2>/dev/null); then
    for rule in $rules; do
      case "$rule" in agent-*) ;; *) continue ;; esac
      case " ${AGENT_FIREWALL_RULES:-} " in *" $rule "*) continue ;; esac
      if az postgres flexible-server firewall-rule delete --resource-group "$rg" --name "$server" --rule-name "$rule" --yes >/dev/null 2>&1; then
        echo "Règle de pare-feu $rule supprimée (adresse retirée de AGENT_ALLOWED_IPS)."
      else
        echo "ATTENTION : la règle de pare-feu $rule (adresse retirée de AGENT_ALLOWED_IPS) n'a pas pu être supprimée :"
        echo "  az postgres flexible-server firewall-rule delete --resource-group $rg --name $server --rule-name $rule --yes"
      fi
    done
  else
    echo "ATTENTION : règles de pare-feu du staging non vérifiées ; supprimez celles des adresses retirées de AGENT_ALLOWED_IPS :"
    echo "  az postgres flexible-server firewall-rule list --resource-group ${rg:-<groupe>} --name ${server:-<serveur>} -o table"
  fi

  echo
  echo "Agent sur site (BATIGEST_ACCESS=agent) : réglages à donner à l'intégrateur"
  echo "  Serveur du staging : ${STAGING_POSTGRES_HOST:-<hôte>} (port 5432, TLS obligatoire)"
  echo "  Base : ${STAGING_POSTGRES_DATABASE:-staging}"
  echo "  Utilisateur : ${AGENT_STAGING_USER:-connecteur_agent}"
  echo "  Adresses autorisées (AGENT_ALLOWED_IPS) : ${AGENT_ALLOWED_IPS:-[]}"
  echo "  STAGING_DATABASE_URL de l'agent (avec son mot de passe) : secret agent-staging-database-url du coffre $vault"
  echo "    az keyvault secret show --vault-name $vault --name agent-staging-database-url --query value -o tsv"
  echo "  STAGING_POOL_MAX de l'agent : ${AGENT_STAGING_POOL_MAX:-5} (compté dans les connexions du serveur)"
  echo "  Le rôle connecteur_agent est créé par le connecteur à sa migration du staging (après azd deploy)."
fi

if [ -z "${ALERT_EMAIL:-}" ]; then
  echo "Attention : ALERT_EMAIL vide, les alertes (run en échec, heures retenues, agent silencieux) ne préviennent personne."
  echo "  azd env set ALERT_EMAIL <adresse> puis azd provision."
fi
if [ "$mode" != "agent" ]; then
  echo "SQL Server Batigest : la Function App le joint depuis le VNet (VPN site à site, ExpressRoute ou DNS personnalisé : voir docs/azure.md)."
fi
exit 0
