# Sourced by the hooks. The names of a Key Vault's secrets, read through Azure Resource Manager
# (management.azure.com) rather than the vault's own endpoint: the vault's firewall may close
# that to this machine, never ARM, where reading the names needs only the Reader role.
# Names only: secret values never leave the vault here.

# vault_secret_names <vault resource id>: one name per line; fails when the list cannot be read.
vault_secret_names() {
  url="https://management.azure.com$1/secrets?api-version=2023-07-01"
  while [ -n "$url" ]; do
    az rest --method get --url "$url" --query "value[].name" -o tsv || return 1
    url=$(az rest --method get --url "$url" --query "nextLink" -o tsv) || return 1
  done
}

# json_names: the names on stdin as a JSON array (secret names hold letters, digits and dashes only).
json_names() {
  printf '['
  sep=''
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    printf '%s"%s"' "$sep" "$name"
    sep=','
  done
  printf ']'
}
