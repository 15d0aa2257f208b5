#!/usr/bin/env bash
# Does bfloat16 in the frozen layers cost accuracy? The same runs in fp32 and bf16 (same splits: seeds
# 1..5), best validation accuracy of each, on a data folder with a recipe given as extra train options.
# Usage: benchmarks/precision-accuracy.sh [data folder] [seeds] [train options...]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data/PetImages-mini}"; seeds="${2:-5}"; shift 2 || true
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
dotnet build -c Release src/Tenni.Cli -v q -nologo >/dev/null
echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), data $data, options: ${*:-defaults}"
echo "| seed | fp32 | bf16 | bf16 − fp32 (points) |"
echo "|---|---:|---:|---:|"
for seed in $(seq 1 "$seeds"); do
  declare -A acc
  for p in fp32 bf16; do
    dotnet src/Tenni.Cli/bin/Release/net10.0/Tenni.Cli.dll train --data "$data" --seed "$seed" --precision "$p" --no-report \
      --cache-dir "$work/cache" --out "$work/run-$p-$seed" "$@" > "$work/out" 2>&1
    acc[$p]=$(grep -o 'best validation accuracy [0-9.]*' "$work/out" | awk '{print $4}')
  done
  echo "$seed ${acc[fp32]} ${acc[bf16]}" >> "$work/all"
  printf '| %s | %.4f | %.4f | %+.2f |\n' "$seed" "${acc[fp32]}" "${acc[bf16]}" "$(echo "(${acc[bf16]} - ${acc[fp32]}) * 100" | bc -l)"
done
awk '{f += $2; b += $3; n++} END {printf "| mean | %.4f | %.4f | %+.2f |\n", f/n, b/n, (b-f)/n*100}' "$work/all"
