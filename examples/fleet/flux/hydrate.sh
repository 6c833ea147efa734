#!/usr/bin/env bash
# Hydrate every tenant of the fleet into plain YAML for Flux, one directory per tenant and stage.
#
#   examples/fleet/flux/hydrate.sh            write (or refresh) examples/fleet/flux/hydrated/<tenant>
#   examples/fleet/flux/hydrate.sh --check    exit 1 if any tenant's directory is not what it renders (CI)
#
# Each tenant is examples/fleet/tenants/<tenant>; examples/flux/hydrate.sh does the work (it needs
# kubectl and kustomize-zymtrace on PATH). CI runs this and commits hydrated/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tenants=$(cd "$here/../tenants" && pwd)
status=0
for dir in "$tenants"/*/; do
  tenant=$(basename "$dir")
  "$here/../../flux/hydrate.sh" "$@" "${dir%/}" "$here/hydrated/$tenant" || status=1
done
exit $status
