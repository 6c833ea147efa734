#!/usr/bin/env bash
# Render this directory's kustomization into hydrated/, one directory per apply stage, for Flux
# (written by kustomize-zymtrace init). Flux runs no generator plugins, so CI runs this script and
# commits hydrated/; Flux applies the plain YAML.
#
#   hydrate.sh           write (or refresh) hydrated/
#   hydrate.sh --check   exit 1 when hydrated/ is not what the kustomization renders (the CI check)
#
# Needs kubectl and kustomize-zymtrace on PATH.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
check=false
case ${1:-} in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The plugin kustomize runs, installed for this run only.
if ! kustomize-zymtrace install-plugin --home "$scratch/plugin" > "$scratch/log" 2>&1; then
  cat "$scratch/log" >&2
  exit 1
fi
export KUSTOMIZE_PLUGIN_HOME=$scratch/plugin
# kustomize drops the generator's warnings; it also appends them here, and hydrate prints a summary.
export ZYMTRACE_WARNINGS_FILE=$scratch/warnings

kubectl kustomize --enable-alpha-plugins "$here" > "$scratch/stream.yaml"
if $check; then
  kustomize-zymtrace hydrate --layout stages -o "$scratch/hydrated" "$scratch/stream.yaml"
  if ! diff -r "$scratch/hydrated" "$here/hydrated" > "$scratch/diff" 2>&1; then
    echo "drift: $here/hydrated is not what the kustomization renders; run $0 and commit the result" >&2
    cat "$scratch/diff" >&2
    exit 1
  fi
  echo "no drift: $here/hydrated is what the kustomization renders"
else
  kustomize-zymtrace hydrate --layout stages -o "$here/hydrated" "$scratch/stream.yaml"
fi
