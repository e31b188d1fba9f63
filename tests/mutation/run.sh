#!/usr/bin/env bash
# Mutation testing (docs/development.md, "Mutation testing"): tests/mutation/run.sh [mutmut run arguments]
# Builds .mutation/ (git-ignored) beside the checkout's files, with src/ pointing at workflow/, and runs
# `mutmut run` there at low priority; then `cd .mutation && mutmut results` (or `mutmut browse`).
# A rerun keeps mutmut's cache (mutants/ inside .mutation/): only changed functions are tested again.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/.mutation
mkdir -p "$work"
for name in tests workflow config.yaml quick.yaml Snakefile; do
    ln -sfn "$root/$name" "$work/$name"
done
ln -sfn "$root/workflow" "$work/src"
ln -sfn "$root/tests/mutation/pyproject.toml" "$work/pyproject.toml"
cd "$work"
# one torch thread: mutmut limits each mutant's CPU time, and torch's threads spent it on the clean work
# (an immediately failing mutant of nested.py was recorded as a timeout)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
exec nice -n 19 mutmut run "$@"
