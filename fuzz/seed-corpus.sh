#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, not committed) from testdata/: every flow-log
# file whole, each of its lines alone under each format the `line` target can give, and its
# header line as a format string in both written forms; the fuzzers' past findings; S3 keys of
# every layout; every inventory file; small AWS Parquet files. Safe to run again: it only adds
# files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus=$here/corpus
mkdir -p "$corpus/line" "$corpus/format_string" "$corpus/decoder_chunks" "$corpus/object_key" \
    "$corpus/inventory" "$corpus/parquet_file" "$corpus/gzip_object"
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
    # gzip_object: the file gzipped as it is (first byte 0: raw), and the text for the target
    # to gzip at level 6 and then leave whole (0x61), cut (0x63), flip a byte (0x65), append
    # junk (0x67), split in two members (0x69) or give a false ISIZE (0x6b).
    { printf '\000\001\002\003'; gzip -c "$file"; } > "$corpus/gzip_object/$name"
    for mode in 141 143 145 147 151 153; do
        { printf "\\$mode\\123\\321\\007"; cat "$file"; } > "$corpus/gzip_object/$name-$mode"
    done
    # format_string: the header line as it is, and as AWS prints a LogFormat.
    head -n 1 "$file" > "$corpus/format_string/$name-header"
    head -n 1 "$file" | sed -E 's/([^ ]+)/${\1}/g' > "$corpus/format_string/$name-aws"
done
# Every target: the inputs it once failed on (testdata/fuzz, named <target>-crash-…).
for file in "$root"/testdata/fuzz/*-crash-*; do
    name=$(basename "$file")
    cp "$file" "$corpus/${name%%-crash-*}/$name"
done
# object_key: every key layout (plain, Hive, hourly, file name alone, S3 URLs, Windows paths).
i=0
for key in \
    "s3://bucket/prefix/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz" \
    "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/02/29/23/123456789012_vpcflowlogs_eu-west-1_fl-0a1b2c3d_20240229T2355Z_0f1e2d3c.log.parquet" \
    "logs/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=02/day=29/hour=23/x.log.gz" \
    "AWSLogs/aws-account-id=111122223333/aws-service=vpc/aws-region=us-east-2/year=2026/month=11/day=01/111122223333_vpcflowlogs_us-east-2_fl-9_20261101T0000Z_a.log.gz" \
    "111122223333_vpcflowlogs_ap-southeast-2_fl-5_20251231T2355Z_b.log.gz" \
    'C:\archive\AWSLogs\123456789012\vpcflowlogs\us-west-2\2025\01\02\f.log' \
    "testdata/logs/flowlogs-v2-default-docs.log"; do
    printf '%s' "$key" > "$corpus/object_key/key-$i"
    i=$((i + 1))
done
# inventory: every inventory file of testdata/network; the first byte picks the file name the
# target gives it (0: inventory.json, 1: a get-managed-prefix-list-entries page's name).
for file in $(find "$root/testdata/network" -name '*.json' | sort); do
    name=$(basename "$(dirname "$file")")-$(basename "$file" .json)
    { printf '\000'; cat "$file"; } > "$corpus/inventory/$name"
    { printf '\001'; cat "$file"; } > "$corpus/inventory/$name-entries"
done
# parquet_file: the target's own AWS Parquet file with each row-group size, undamaged and with
# one byte changed in its pages and in its footer.
for rows in 0 1 2 3; do
    printf "\\000\\00$rows" > "$corpus/parquet_file/aws-$rows"
    printf "\\000\\00$rows\\220\\001\\377" > "$corpus/parquet_file/aws-$rows-page"
    printf "\\000\\00$rows\\377\\377\\000" > "$corpus/parquet_file/aws-$rows-footer"
done
for target in line format_string decoder_chunks object_key inventory parquet_file; do
    printf '%s %s, ' "$(ls "$corpus/$target" | wc -l)" "$target"
done
echo "in $corpus"
