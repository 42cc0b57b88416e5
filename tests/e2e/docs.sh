#!/usr/bin/env bash
# The reference documentation stays true to the binary:
#   - every command of `redrive --help` is in docs/redrive.1 and has a
#     heading in docs/cli.md;
#   - every option of `redrive --help` and of every `redrive CMD --help`,
#     and every option the parser accepts (the tables in src/cli/cli.c), is
#     in docs/redrive.1 and docs/cli.md;
#   - docs/redrive.1 renders without groff warnings;
#   - the ```sql examples of docs/schema.md run on a store made from
#     tests/data/small and print what the ```text block after them shows;
#   - the ```sql examples of docs/requeue.md (the outbox: outbox_v, a
#     worker's claim) do the same on that store after a requeue to the
#     outbox;
#   - the ```console examples of docs/cli.md and docs/formats.md print what
#     they show.
#
# Console blocks: a line "$ CMD" is run with eval (redrive is the build under
# test), and the lines after it, up to the next "$ " line or the end of the
# block, are its expected standard output (standard error is not compared; a
# CR before a line end is dropped, as the pages cannot show CSV's CRLF).
# All blocks of one file run in order, in one fresh directory that holds
# campaigns.csv, sendlog.jsonl and events.json from tests/data/small.  A block
# opened with "```LANG file=NAME" is an example input: it is written to NAME
# in that directory when the examples reach it.
. "$(dirname "$0")/../lib/tap.sh"
DOCS=$TOP/docs
SMALL=$TOP/tests/data/small
plan 10

# The man page source as plain text: font escapes dropped, \- as -.
sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' -e 's/\\&//g' \
	"$DOCS/redrive.1" > man.txt

# ---- 1-2: commands ----------------------------------------------------------
"$REDRIVE_BIN" --help > help.txt 2>&1
cmds=$(sed -n '/^commands:/,/^$/p' help.txt | awk 'NR > 1 && NF { print $1 }')
missing_man='' missing_md=''
for c in $cmds; do
	grep -qE "redrive $c([^a-z_-]|\$)" man.txt || missing_man="$missing_man $c"
	grep -qE "^#+ .*redrive $c([^a-z_-]|\$)" "$DOCS/cli.md" || missing_md="$missing_md $c"
done
ncmds=$(wc -w <<< "$cmds")
if [ "$ncmds" -gt 5 ] && [ -z "$missing_man" ]; then
	ok "the $ncmds commands of --help are in redrive.1"
else
	not_ok "every command of --help is in redrive.1"
	echo "missing:${missing_man:- (no commands found in --help)}" | diag
fi
if [ "$ncmds" -gt 5 ] && [ -z "$missing_md" ]; then
	ok "the $ncmds commands of --help have a heading in cli.md"
else
	not_ok "every command of --help has a heading in cli.md"
	echo "missing:$missing_md" | diag
fi

# ---- 3-4: options -----------------------------------------------------------
{
	grep -oE -- '--[a-z][a-z-]*' help.txt
	for c in $cmds; do "$REDRIVE_BIN" "$c" --help 2>&1 | grep -oE -- '--[a-z][a-z-]*'; done
} | sort -u > help_opts.txt
# The parser's own lists: opt_*[] = { "name=", "flag", NULL } and the options
# every command takes (with_value[] and --read-only).
{
	awk '/^static const char \*const opt_[a-z]+\[\] = \{/, /\};/' "$TOP/src/cli/cli.c"
	grep -E 'with_value\[\] = \{|"read-only"' "$TOP/src/cli/cli.c"
} | grep -oE '"[a-z][a-z-]*=?"' | tr -d '"=' | sed 's/^/--/' | sort -u > parser_opts.txt
sort -u help_opts.txt parser_opts.txt > all_opts.txt
missing_man='' missing_md=''
while read -r o; do
	grep -qE -- "$o([^a-z-]|\$)" man.txt || missing_man="$missing_man $o"
	grep -qE -- "$o([^a-z-]|\$)" "$DOCS/cli.md" || missing_md="$missing_md $o"
done < all_opts.txt
nopts=$(wc -l < all_opts.txt)
if [ "$(wc -l < help_opts.txt)" -gt 10 ] && [ "$(wc -l < parser_opts.txt)" -gt 10 ] && [ -z "$missing_man" ]; then
	ok "the $nopts options of --help and of the parser are in redrive.1"
else
	not_ok "every option of --help and of the parser is in redrive.1"
	echo "missing:${missing_man:- (too few options found: did the --help or cli.c format change?)}" | diag
fi
if [ "$nopts" -gt 10 ] && [ -z "$missing_md" ]; then
	ok "the $nopts options are in cli.md"
else
	not_ok "every option is in cli.md"
	echo "missing:$missing_md" | diag
fi

# ---- 5: the man page renders cleanly ---------------------------------------
if command -v groff >/dev/null 2>&1; then
	groff -man -ww -z "$DOCS/redrive.1" > groff.out 2>&1
	if [ ! -s groff.out ] && [ "$(wc -l < man.txt)" -gt 100 ]; then
		ok "groff -man -ww -z docs/redrive.1 prints no warnings"
	else
		not_ok "groff -man -ww -z docs/redrive.1 prints no warnings"
		head -40 groff.out | diag
	fi
else
	ok "groff -man -ww -z docs/redrive.1 prints no warnings # SKIP groff is not installed"
fi

# extract DIR < FILE.md: the examples of a page, numbered in page order:
#   step.N.cmd + step.N.out    a console command and its expected output
#   step.N.name + step.N.file  an example input to write (```LANG file=NAME)
#   sql.N (+ sql.N.out)        an sql block (and the text block right after it)
extract() {
	mkdir -p "$1"
	awk -v dir="$1" '
	function path(f) { return dir "/" f }
	mode == "" && /^```console[ \t]*$/ { mode = "console"; next }
	mode == "" && /^```sql[ \t]*$/ { mode = "sql"; q++; printf "" > path("sql." q); next }
	mode == "" && /^```text[ \t]*$/ && after_sql { mode = "sqlout"; printf "" > path("sql." q ".out"); next }
	mode == "" && /^```[a-z]+ file=[^ ]+[ \t]*$/ {
		mode = "file"; n++; f = $0; sub(/.* file=/, "", f); sub(/[ \t]*$/, "", f)
		print f > path("step." n ".name"); printf "" > path("step." n ".file"); next
	}
	mode == "" && /^```/ { mode = "other"; next }
	mode != "" && /^```[ \t]*$/ { after_sql = (mode == "sql"); mode = ""; next }
	mode == "" && NF { after_sql = 0 }
	mode == "console" && /^\$ / {
		n++; print substr($0, 3) > path("step." n ".cmd"); printf "" > path("step." n ".out"); next
	}
	mode == "console" && n > 0 { print > path("step." n ".out"); next }
	mode == "sql" { print > path("sql." q); next }
	mode == "sqlout" { print > path("sql." q ".out"); next }
	mode == "file" { print > path("step." n ".file"); next }
	'
}

# make_store DIR [REDRIVE ARGS...]: a store in DIR/redrive.db made from
# tests/data/small as schema.md and requeue.md say (imports, the incident),
# then, when given, one more redrive command (e.g. a requeue) on it.  The
# log goes to DIR.log.
make_store() {
	local dir=$1
	shift
	mkdir -p "$dir"
	(
		cd "$dir" || exit 1
		cp "$SMALL/campaigns.csv" "$SMALL/sendlog.jsonl" "$SMALL/events.json" .
		export REDRIVE_NOW=2018-09-13T03:00+09:00
		"$REDRIVE_BIN" import campaigns campaigns.csv &&
		"$REDRIVE_BIN" import sendlog sendlog.jsonl
		"$REDRIVE_BIN" import events events.json
		"$REDRIVE_BIN" incident add "AMQ再起動" --tz Asia/Tokyo \
			--window "2018-09-12 04:30/05:00" --window "2018-09-13 01:15/01:50"
		if [ $# -gt 0 ]; then "$REDRIVE_BIN" "$@"; fi
	) > "$dir.log" 2>&1
}

# run_sql PAGE DB EXDIR [SQLITE3 OPTION...]: runs the ```sql examples of PAGE
# in order on DB and compares each with the ```text block right after it.
# Sets sql_n (examples), sql_nout (outputs compared) and sql_fail (what went
# wrong, empty when nothing did).
run_sql() {
	local page=$1 db=$2 ex=$3 f rc
	shift 3
	extract "$ex" < "$page"
	sql_n=0 sql_nout=0 sql_fail=''
	while [ -f "$ex/sql.$((sql_n + 1))" ]; do
		sql_n=$((sql_n + 1))
		f=sql.$sql_n
		sqlite3 -bail "$@" -header "$db" < "$ex/$f" > "$ex/$f.got" 2> "$ex/$f.err"
		rc=$?
		if [ $rc -ne 0 ] || [ -s "$ex/$f.err" ]; then
			sql_fail="$sql_fail$f failed (exit $rc):
$(cat "$ex/$f")
$(cat "$ex/$f.err")
"
		elif [ -f "$ex/$f.out" ]; then
			sql_nout=$((sql_nout + 1))
			if ! cmp -s "$ex/$f.out" "$ex/$f.got"; then
				sql_fail="$sql_fail$f printed something else:
$(cat "$ex/$f")
$(diff -u "$ex/$f.out" "$ex/$f.got")
"
			fi
		fi
	done
}

# ---- 6: the SQL examples of schema.md -----------------------------------------
make_store sqlstore
run_sql "$DOCS/schema.md" sqlstore/redrive.db "$T/sql" -readonly
if grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' sqlstore.log; then
	sql_fail="making the store failed under the sanitizers
"
fi
if [ "$sql_n" -gt 5 ] && [ -z "$sql_fail" ] && [ -s sqlstore/redrive.db ]; then
	ok "the $sql_n SQL examples of schema.md run on a store from tests/data/small ($sql_nout outputs as shown)"
else
	not_ok "the SQL examples of schema.md run and print what the page shows ($sql_n found)"
	{ printf '%s' "$sql_fail"; cat sqlstore.log; } | head -80 | diag
fi

# ---- 7-8: the console examples of cli.md and formats.md -----------------------
# run_console PAGE: ok when every command of the page's console blocks prints
# exactly what the page shows.
run_console() {
	local page=$1 name ex work
	name=$(basename "$page")
	ex=$T/ex-$name
	work=$T/work-$name
	extract "$ex" < "$page"
	mkdir -p "$work"
	cp "$SMALL/campaigns.csv" "$SMALL/sendlog.jsonl" "$SMALL/events.json" "$work/"
	(
		cd "$work" || exit 1
		# shellcheck disable=SC2317  # called by the eval'd examples
		redrive() { "$REDRIVE_BIN" "$@"; }
		cmds=0 fails=0 i=0
		while [ -f "$ex/step.$((i + 1)).cmd" ] || [ -f "$ex/step.$((i + 1)).name" ]; do
			i=$((i + 1))
			if [ -f "$ex/step.$i.name" ]; then
				cp "$ex/step.$i.file" "$(cat "$ex/step.$i.name")"
				continue
			fi
			cmds=$((cmds + 1))
			eval "$(cat "$ex/step.$i.cmd")" > "$ex/step.$i.raw" 2>> "$ex/stderr"
			# CSV lines end in CRLF (RFC 4180); the pages show them as lines
			sed 's/\r$//' "$ex/step.$i.raw" > "$ex/step.$i.got"
			if ! cmp -s "$ex/step.$i.out" "$ex/step.$i.got"; then
				fails=$((fails + 1))
				{
					echo "\$ $(cat "$ex/step.$i.cmd")"
					diff -u "$ex/step.$i.out" "$ex/step.$i.got" | head -30
				} >> "$ex/diffs"
			fi
		done
		echo "$cmds $fails" > "$ex/result"
	)
	local result cmds fails
	result=$(cat "$ex/result" 2>/dev/null || echo "0 0")
	cmds=${result% *}
	fails=${result#* }
	if grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$ex/stderr" 2>/dev/null; then
		not_ok "the console examples of $name run cleanly under the sanitizers"
		grep -E -A5 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$ex/stderr" | head -40 | diag
	elif [ "$cmds" -gt 5 ] && [ "$fails" -eq 0 ]; then
		ok "the $cmds console examples of $name print what the page shows"
	else
		not_ok "the console examples of $name print what the page shows ($fails of $cmds differ)"
		[ -f "$ex/diffs" ] && head -120 "$ex/diffs" | diag
	fi
}
run_console "$DOCS/cli.md"
run_console "$DOCS/formats.md"

# ---- 9: a documented failure keeps its documented exit status -----------------
"$REDRIVE_BIN" report --db "$T/none.db" > /dev/null 2>&1
rc1=$?
"$REDRIVE_BIN" report --bogus > /dev/null 2>&1
rc2=$?
if [ $rc1 -eq 1 ] && [ $rc2 -eq 2 ] && grep -qE '^\.SH "?EXIT STATUS"?$' "$DOCS/redrive.1"; then
	ok "exit statuses as documented (no store: 1, bad option: 2)"
else
	not_ok "exit statuses as documented (no store: $rc1, wanted 1; bad option: $rc2, wanted 2)"
fi

# ---- 10: the outbox examples of requeue.md --------------------------------------
# On the same store after `requeue --to outbox --yes`: reading outbox_v, and a
# worker claiming rows and marking them done (these write, so not -readonly).
make_store rqstore requeue --incident "AMQ再起動" --to outbox --yes
run_sql "$DOCS/requeue.md" rqstore/redrive.db "$T/rqsql"
if grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' rqstore.log; then
	sql_fail="making the store failed under the sanitizers
"
fi
if [ "$sql_n" -ge 3 ] && [ "$sql_nout" -ge 2 ] && [ -z "$sql_fail" ] && grep -q '^batch 1 to outbox: done' rqstore.log; then
	ok "the $sql_n SQL examples of requeue.md run on that store after a requeue to the outbox ($sql_nout outputs as shown)"
else
	not_ok "the SQL examples of requeue.md run and print what the page shows ($sql_n found)"
	{ printf '%s' "$sql_fail"; cat rqstore.log; } | head -80 | diag
fi
