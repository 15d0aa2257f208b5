#!/usr/bin/env bash
# The chapter's recipe (resnet18, head only, 20 epochs, batch 64, Adam 1e-4 with the head at 10×,
# 70/30 split, seed 1) on a data folder, three ways, with a fresh activation cache:
#   1. cold: activations extracted once, then 20 epochs from the cache
#   2. warm: the same again, the cache already filled (a second run on the same images)
#   3. uncached: --no-cache, the whole network every step
# Usage: benchmarks/train-recipe.sh [data folder]   (default ../shared/data/PetImages-mini)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data/PetImages-mini}"
work="$(mktemp -d)"
dotnet build -c Release src/Tenni.Cli -v q -nologo >/dev/null
tenni() { dotnet src/Tenni.Cli/bin/Release/net10.0/Tenni.Cli.dll "$@"; }
run() {
  local name="$1"; shift
  local start end
  start=$(date +%s.%N)
  tenni train --data "$data" --cache-dir "$work/cache" --out "$work/$name" "$@" > "$work/$name.txt" 2>&1
  end=$(date +%s.%N)
  printf '| %s | %.1f s | %s |\n' "$name" "$(echo "$end - $start" | bc)" "$(grep -o 'best validation accuracy [0-9.]* at epoch [0-9]*' "$work/$name.txt")"
}
echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, data $data"
echo "| run | wall time (whole command) | result |"
echo "|---|---:|---|"
run cold
run warm
run uncached --no-cache
rm -rf "$work"
