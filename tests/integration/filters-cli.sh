#!/bin/sh
# vaktctl filters scan|test end to end: output formats, exit codes, long
# lines, invalid UTF-8, rule errors.  Usage: filters-cli.sh VAKTCTL DATA_DIR
set -u
VAKTCTL=$1
DATA=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
n=0

check() { # NAME CONDITION...
	name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		fail=1
	fi
}

contains() { grep -qF -- "$2" "$1"; }

# scan, readable and JSON
printf 'Jag ska döda dig\nhej\r\nmitt pnr 811218-9876\n\377 jag ska d0da d1g' \
	| "$VAKTCTL" filters scan --rules "$DATA/good" >"$TMP/out" 2>"$TMP/err"
check "scan exits 0" test $? -eq 0
check "scan prints one line per comment" test "$(wc -l <"$TMP/out")" -eq 4
check "scan summary of a threat" contains "$TMP/out" \
	"obvious sev=5 threat actions=hide,escalate rules=sv.threat.kill-direct | Jag ska döda dig"
check "scan drops a trailing CR" contains "$TMP/out" "none | hej"
check "scan masks personnummer" contains "$TMP/out" "| mitt pnr 811218-****"
check "scan replaces invalid UTF-8, last line without newline" contains "$TMP/out" \
	"rules=sv.threat.kill-direct | � jag ska d0da d1g"
check "scan warns about expired rules" contains "$TMP/err" \
	"10-threat.rules:66: warning: rule 'sv.spam.old-campaign' expired"

printf 'Jag ska döda dig\n' | "$VAKTCTL" --json filters scan --rules "$DATA/good" >"$TMP/json"
check "scan --json" contains "$TMP/json" \
	'{"match":true,"tier":"obvious","severity":5,"categories":["threat"]'

# a 300 kB line: bounded, truncated, full length reported
head -c 300000 /dev/zero | tr '\0' 'a' >"$TMP/long"
printf '\nsista raden: din idiot\n' >>"$TMP/long"
"$VAKTCTL" --json filters scan --rules "$DATA/good" <"$TMP/long" >"$TMP/json"
check "long line scanned" test $? -eq 0
check "long line truncated" contains "$TMP/json" '"truncated":true,"length":300000,"scanned":65536'
check "next line after a long one" contains "$TMP/json" '"rules":["sv.harassment.idiot"]'

# VAKT_RULES_DIR
echo "din idiot" | VAKT_RULES_DIR="$DATA/good" "$VAKTCTL" filters scan >"$TMP/out" 2>/dev/null
check "VAKT_RULES_DIR is the default rules dir" contains "$TMP/out" "rules=sv.harassment.idiot"

# broken rules: every error, exit 1
echo x | "$VAKTCTL" filters scan --rules "$DATA/broken" >"$TMP/out" 2>"$TMP/err"
check "scan with broken rules exits 1" test $? -eq 1
check "broken rules: category error" contains "$TMP/err" "bad.rules:4: unknown category 'threats'"
check "broken rules: pattern error" contains "$TMP/err" \
	"bad.rules:10: pattern does not compile: missing closing parenthesis at offset 9"
check "broken rules: all errors" test "$(grep -c 'bad.rules:' "$TMP/err")" -ge 25

# test
"$VAKTCTL" filters test --rules "$DATA/good" >"$TMP/out" 2>/dev/null
check "test passes" test $? -eq 0
check "test summary" contains "$TMP/out" "8 rules, 50 examples, 0 failed"

mkdir "$TMP/rules"
cat >"$TMP/rules/a.rules" <<'RULES'
rule sv.spam.hej
  title     t
  category  spam
  statute   kommentarsregler
  tier      possible
  severity  1
  actions   review
  pattern   \bhej\b
  match     hej
  match     Hej!
  match     tjena
  nomatch   hejsan
  nomatch   hallå
  nomatch   ja hej då
end
RULES
"$VAKTCTL" filters test --rules "$TMP/rules" >"$TMP/out" 2>&1
check "failing example exits 1" test $? -eq 1
check "failing match example" contains "$TMP/out" \
	"$TMP/rules/a.rules:11: rule sv.spam.hej: example \"tjena\": expected match, got none"
check "failing nomatch example" contains "$TMP/out" \
	"$TMP/rules/a.rules:14: rule sv.spam.hej: example \"ja hej då\": expected no match, got match \"hej\""
check "failure summary" contains "$TMP/out" "1 rule, 6 examples, 2 failed"

"$VAKTCTL" filters frobnicate >/dev/null 2>&1
check "unknown subcommand is a usage error" test $? -eq 2
"$VAKTCTL" filters scan --bogus </dev/null >/dev/null 2>&1
check "unknown option is a usage error" test $? -eq 2
"$VAKTCTL" filters test --rules "$TMP/nonexistent" >/dev/null 2>"$TMP/err"
check "missing rules dir exits 1" test $? -eq 1
check "missing rules dir is named" contains "$TMP/err" "nonexistent: cannot open rules directory"

echo "1..$n"
exit $fail
