#!/usr/bin/env bash
# Checks every man page with `mandoc -T lint`, and that every option a program lists in --help
# appears in its man page, with the shared exit-code table in its EXIT STATUS section.
set -uo pipefail
src=${NOCKIT_SOURCE_DIR:?}
bin=${NOCKIT_BINARY_DIR:?}
command -v mandoc >/dev/null || { echo "SKIPPED: mandoc is not installed (scripts/setup installs it)"; exit 77; }
fail=0
for page in "$src"/man/*.[1-8]; do
  if ! out=$(mandoc -T lint -W warning "$page" 2>&1) || [[ -n "$out" ]]; then
    echo "FAIL: mandoc -T lint $page:"; echo "$out"; fail=1
  fi
done
checked=0
# The programs the build declares (apps/CMakeLists.txt), each of which must have been built.
for prog in $(sed -n 's/^add_subdirectory(\(noc-[a-z-]*\))$/\1/p' "$src/apps/CMakeLists.txt"); do
  exe="$bin/apps/$prog/$prog"
  page="$src/man/$prog.1"
  [[ -x "$exe" ]] || { echo "FAIL: $exe was not built"; fail=1; continue; }
  [[ -f "$page" ]] || { echo "FAIL: $prog has no man page ($page)"; fail=1; continue; }
  text=$(MANWIDTH=200 mandoc -T ascii -O width=200 "$page" | col -b)
  # Options as --help lists them: "-c,--count" → -c and --count.
  opts=$("$exe" --help | grep -oE '^ +(-[A-Za-z0-9],)?--?[A-Za-z0-9][A-Za-z0-9-]*' | tr ',' '\n' | tr -d ' ' | sort -u)
  for opt in $opts; do
    grep -qF -- "$opt" <<<"$text" || { echo "FAIL: $prog --help lists $opt but $page does not"; fail=1; }
  done
  grep -q "EXIT STATUS" <<<"$text" || { echo "FAIL: $page has no EXIT STATUS section"; fail=1; }
  for word in OK WARNING CRITICAL UNKNOWN; do
    grep -q "$word" <<<"$text" || { echo "FAIL: $page's exit-code table lacks $word"; fail=1; }
  done
  checked=$((checked + 1))
done
echo "checked $(ls "$src"/man/*.[1-8] | wc -l) man pages and the --help of $checked programs"
((checked > 0)) || { echo "FAIL: no program checked"; fail=1; }
exit $fail
