#!/usr/bin/env bash
# Generated data: deterministic for a seed, and the report redrive derives
# from the store equals the generator's own bookkeeping (truth.jsonl), for
# every simulated incident.
. "$(dirname "$0")/../lib/tap.sh"
plan 15
NOW=2018-09-13T03:00+09:00

rd gen --messages 30000 --seed 7 --days 14 --now $NOW --out a
expect_rc 0 "gen --out writes files"
rd gen --messages 30000 --seed 7 --days 14 --now $NOW --out b
is "$(cd a && sha256sum *)" "$(cd b && sha256sum *)" "the same seed gives the same bytes"
rd gen --messages 30000 --seed 8 --days 14 --now $NOW --out c
check "another seed gives other data" bash -c "! cmp -s a/events.json c/events.json"
is "$(wc -l < a/sendlog.jsonl)" "30000" "exactly the messages asked for"

rd gen --messages 30000 --seed 7 --days 14 --now $NOW --db gen.db
expect_rc 0 "gen into a store"
rd incident list --db gen.db --format json
is "$(jq -r '.[].name' "$OUT" | sort | tr '\n' '|')" "$(jq -r .incident a/truth.jsonl | sort | tr '\n' '|')" "the simulated incidents are recorded"

n=0
while IFS= read -r line; do
	name=$(jq -r .incident <<<"$line")
	rd report --db gen.db --incident "$name" --now $NOW --format json
	got=$(jq -cS '[.campaigns[] | {(.campaign): (del(.campaign, .kind, .status))}] | add // {}' "$OUT")
	want=$(jq -cS '.campaigns' <<<"$line")
	is "$got" "$want" "report equals the generator's truth: $name"
	is "$(jq -cS .totals "$OUT")" "$(jq -cS .totals <<<"$line")" "totals equal: $name"
	n=$((n + 1))
done < a/truth.jsonl
[ "$n" -eq 4 ] || not_ok "expected 4 incidents in truth.jsonl, got $n"

rd report --db gen.db --incident "AMQ再起動 (seed 000)" --now $NOW --format json
like "$(jq -r '.campaigns[] | select(.campaign == "秋の特別セール") | .verdict' "$OUT")" '^all_pending$' "seed 000: the wholly lost batch campaign is all_pending"
