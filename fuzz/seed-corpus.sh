#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, not committed) from testdata/: every flow-log
# file whole, each of its lines alone under each format the `line` target can give, and its
# header line as a format string in both written forms. Safe to run again: it only adds files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus=$here/corpus
mkdir -p "$corpus/line" "$corpus/format_string" "$corpus/decoder_chunks"
for file in "$root"/testdata/logs/*.log "$root"/testdata/malformed/*.log; do
    name=$(basename "$file" .log)
    # line: the first byte picks the format given (0: none, the header or the default v2).
    { printf '\000'; cat "$file"; } > "$corpus/line/$name"
    i=0
    while IFS= read -r line || [ -n "$line" ]; do
        for selector in 0 1 2 3 4; do
            { printf "\\00$selector"; printf '%s\n' "$line"; } > "$corpus/line/$name-$i-$selector"
        done
        i=$((i + 1))
    done < "$file"
    # decoder_chunks: batch size 3, line bound 319, a projection, chunks of 5, 11 and 61 bytes.
    { printf '\002\377\007\005\013\075'; cat "$file"; } > "$corpus/decoder_chunks/$name"
    # format_string: the header line as it is, and as AWS prints a LogFormat.
    head -n 1 "$file" > "$corpus/format_string/$name-header"
    head -n 1 "$file" | sed -E 's/([^ ]+)/${\1}/g' > "$corpus/format_string/$name-aws"
done
echo "corpora: $(ls "$corpus/line" | wc -l) line, $(ls "$corpus/format_string" | wc -l) format_string, $(ls "$corpus/decoder_chunks" | wc -l) decoder_chunks"
