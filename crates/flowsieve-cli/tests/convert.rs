//! `flowsieve convert` end to end, through the built binary: one file and directory output, the
//! union schema of mixed formats, the line accounting (printed and `--summary-json`, exact counts
//! on `testdata/logs`), malformed samples, a truncated gzip input, strict mode, output bytes that
//! do not depend on `--threads`, and the written files opened by pyarrow, DuckDB and Polars from
//! the project's own Python environment (`scripts/python-env.sh`).

mod common;

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use common::{flowsieve, output, run_python, tempdir, texts, tree};
use flowsieve::log::{FlowField, ParquetFlowReader, ReaderBuilder, address_to_ip};
use serde_json::{Value, json};

/// Runs `flowsieve convert ARGS…` and returns (exit code, stdout, stderr).
fn convert(args: &[&str]) -> (Option<i32>, String, String) {
    texts(&output(flowsieve().arg("convert").args(args)))
}

/// A run of `flowsieve convert INPUTS… --output OUT --summary-json OUT.summary.json EXTRA…`.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The summary JSON (`null` when none was written).
    json: Value,
}

fn convert_to(inputs: &[&str], out: &Path, extra: &[&str]) -> Run {
    let summary = PathBuf::from(format!("{}.summary.json", out.display()));
    let (code, stdout, stderr) = texts(&output(
        flowsieve()
            .arg("convert")
            .args(inputs)
            .arg("--output")
            .arg(out)
            .arg("--summary-json")
            .arg(&summary)
            .args(extra),
    ));
    let json = if summary.exists() {
        read_json(&summary)
    } else {
        Value::Null
    };
    Run {
        code,
        stdout,
        stderr,
        json,
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// A Parquet file read back with flowsieve's own reader: column names and the batches.
struct ReadBack {
    columns: Vec<String>,
    batches: Vec<flowsieve::log::FlowRecordBatch>,
}

impl ReadBack {
    fn open(path: &Path) -> ReadBack {
        let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let reader = ParquetFlowReader::try_new(file, ReaderBuilder::new())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let columns = reader
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let batches = reader
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        ReadBack { columns, batches }
    }

    fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// Every value of a u16 column, nulls as `None`.
    fn u16s(&self, field: FlowField) -> Vec<Option<u16>> {
        self.batches
            .iter()
            .flat_map(|b| b.uint16(field).expect("a u16 column").iter())
            .collect()
    }

    /// Every value of an address column as text, nulls as `None`.
    fn addresses(&self, field: FlowField) -> Vec<Option<String>> {
        self.batches
            .iter()
            .flat_map(|b| {
                let column = b.addresses(field).expect("an address column");
                (0..column.len()).map(move |i| column.get(i).map(|a| address_to_ip(a).to_string()))
            })
            .collect()
    }
}

/// `n` v2 records, deterministic, with a NODATA line every 50th.
fn v2_records(n: usize, seed: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        let k = i * 7 + seed * 13;
        if i % 50 == 49 {
            text.push_str(&format!(
                "2 123456789010 eni-{:017x} - - - - - - - 1700000000 1700000060 - NODATA\n",
                k % 5
            ));
            continue;
        }
        text.push_str(&format!(
            "2 123456789010 eni-{:017x} 10.0.{}.{} 172.31.{}.{} {} {} 6 {} {} {} {} {} OK\n",
            k % 5,
            k % 256,
            (k / 256) % 256,
            seed % 256,
            i % 256,
            1024 + k % 60000,
            [22, 80, 443, 5432][i % 4],
            1 + i % 9,
            40 + k % 1500,
            1_700_000_000 + i,
            1_700_000_060 + i,
            if i % 3 == 0 { "REJECT" } else { "ACCEPT" }
        ));
    }
    text
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The columns of the default v2 format, in order.
const V2_COLUMNS: [&str; 14] = [
    "version",
    "account_id",
    "interface_id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log_status",
];

const TCP_FLAGS_LOG: &str = "testdata/logs/flowlogs-v3-tcp-flags-docs.log";
const JSON_LOG: &str = "testdata/logs/cloudwatch-subscription-payload-decoded.json";
const TGW_LOG: &str = "testdata/logs/transit-gateway-flowlogs-v6-fixture.log";

/// The line accounting of `testdata/logs`, counted by hand from the files (see testdata/README).
fn expected_testdata_summary() -> Value {
    json!({
        // Nine files: the CloudWatch JSON payload and the Transit Gateway log fail.
        "files": 9,
        "files_failed": 2,
        "lines": 35,
        // Every file but the header-less v2 one has a header.
        "header": 6,
        // v2 default 5, NAT gateway 6, tcp-flags 7 (of 8), transit-gateway path 4, v5 2, v7 1.
        "records": 25,
        "nodata": 2,
        "skipdata": 1,
        "blank": 0,
        "malformed": 1,
        "malformed_by_reason": {
            "field_count": 0, "empty_field": 1, "invalid_number": 0, "number_out_of_range": 0,
            "invalid_address": 0, "invalid_utf8": 0, "invalid_value": 0, "line_too_long": 0,
            "truncated": 0
        },
        "rows_written": 28,
        "bytes_in": 7025,
    })
}

/// Checks every key of `expected` in `actual`.
fn assert_subset(actual: &Value, expected: &Value) {
    for (key, value) in expected.as_object().expect("an object") {
        assert_eq!(&actual[key], value, "key `{key}` of\n{actual:#}");
    }
}

/// Converts `testdata/logs` into `out`: two files fail, the run goes on, the exit status says so,
/// and the accounting is exact.
fn convert_testdata(out: &Path) -> Run {
    let run = convert_to(&["testdata/logs"], out, &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_subset(&run.json, &expected_testdata_summary());
    run
}

#[test]
fn testdata_logs_into_one_file_with_exact_accounting() {
    let dir = tempdir();
    let out = dir.path().join("all.parquet");
    let Run {
        stdout,
        stderr,
        json,
        ..
    } = convert_testdata(&out);
    let errors: Vec<&str> = stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(
        errors[0].starts_with(&format!("flowsieve: error: {JSON_LOG}: this is JSON")),
        "{stderr}"
    );
    assert!(
        errors[1].starts_with(&format!("flowsieve: error: {TGW_LOG}")),
        "{stderr}"
    );
    assert!(errors[1].contains("Transit Gateway"), "{stderr}");

    assert_eq!(json["output"], path_str(&out));
    assert_eq!(json["output_kind"], "file");
    assert_eq!(json["bytes_out"], std::fs::metadata(&out).unwrap().len());
    assert_eq!(json["errors"][0]["file"], JSON_LOG);
    assert_eq!(json["errors"][1]["file"], TGW_LOG);
    assert_eq!(json["samples"].as_array().map(Vec::len), Some(1));

    // The printed accounting.
    assert!(stdout.contains("files         9 (2 failed"), "{stdout}");
    assert!(
        stdout.contains(
            "lines         35: header 6, records 25, NODATA 2, SKIPDATA 1, blank 0, malformed 1"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("malformed     1: empty_field 1"),
        "{stdout}"
    );
    assert!(stdout.contains("rows written  28 to "), "{stdout}");
    assert!(stdout.contains("MB/s"), "{stdout}");

    // The file: the union of every readable format, in canonical order; rows in input order.
    let back = ReadBack::open(&out);
    assert_eq!(back.rows(), 28);
    let expected_columns: Vec<&str> = [
        &V2_COLUMNS[..],
        &[
            "vpc_id",
            "subnet_id",
            "instance_id",
            "tcp_flags",
            "type",
            "pkt_srcaddr",
            "pkt_dstaddr",
            "region",
            "az_id",
            "sublocation_type",
            "sublocation_id",
            "pkt_src_aws_service",
            "pkt_dst_aws_service",
            "flow_direction",
            "traffic_path",
            "ecs_cluster_arn",
            "ecs_cluster_name",
            "ecs_container_instance_arn",
            "ecs_container_instance_id",
            "ecs_container_id",
            "ecs_second_container_id",
            "ecs_service_name",
            "ecs_task_definition_arn",
            "ecs_task_arn",
            "ecs_task_id",
        ],
    ]
    .concat();
    assert_eq!(back.columns, expected_columns);
    let ports = back.u16s(FlowField::DstPort);
    // v2 default docs first (header-less, 7 rows), then the S3 NODATA object, then NAT gateway
    // (no ports in its format: null).
    assert_eq!(&ports[..3], &[Some(22), Some(3389), None]);
    assert_eq!(&ports[8..14], &[None; 6]);
    let src = back.addresses(FlowField::SrcAddr);
    assert_eq!(src[0].as_deref(), Some("172.31.16.139"));
    assert_eq!(
        src[6].as_deref(),
        Some("2001:db8:1234:a100:8d6e:3477:df66:f105")
    );
    assert_eq!(src[8].as_deref(), Some("10.0.1.5"));
}

#[test]
fn testdata_logs_into_a_directory_mirrors_the_inputs() {
    let dir = tempdir();
    let out = dir.path().join("parquet");
    let Run { stdout, json, .. } = convert_testdata(&out);
    assert_eq!(json["output_kind"], "directory");
    assert_eq!(json["output_files"], 7);
    assert!(
        stdout.contains("rows written  28 to 7 files in "),
        "{stdout}"
    );

    let files: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(
        files,
        [
            "flowlogs-v2-default-docs.parquet",
            "flowlogs-v2-s3-object-header-nodata.parquet",
            "flowlogs-v3-nat-gateway-docs.parquet",
            "flowlogs-v3-tcp-flags-docs.parquet",
            "flowlogs-v3-transit-gateway-path-docs.parquet",
            "flowlogs-v5-service-traffic-path-docs.parquet",
            "flowlogs-v7-ecs-fixture.parquet",
        ]
    );
    // Each file has its own input's fields, in the input's order.
    let nat = ReadBack::open(&out.join("flowlogs-v3-nat-gateway-docs.parquet"));
    assert_eq!(
        nat.columns,
        [
            "instance_id",
            "interface_id",
            "srcaddr",
            "dstaddr",
            "pkt_srcaddr",
            "pkt_dstaddr"
        ]
    );
    assert_eq!(nat.rows(), 6);
    let v2 = ReadBack::open(&out.join("flowlogs-v2-default-docs.parquet"));
    assert_eq!(v2.columns.len(), 14);
    assert_eq!(v2.rows(), 7);
    assert_eq!(v2.u16s(FlowField::DstPort)[1], Some(3389));
}

#[test]
fn nested_directories_and_gzip_names_map_to_parquet_paths() {
    let dir = tempdir();
    let logs = dir.path().join("logs");
    let text = v2_records(30, 1);
    write(&logs.join("a/b/one.log.gz"), gzip(text.as_bytes()));
    write(&logs.join("a/two.log"), &text);
    write(&logs.join("three.gz"), gzip(text.as_bytes()));
    write(&logs.join("four.txt"), &text);
    write(&logs.join(".hidden.log"), &text);
    let single = dir.path().join("single.log");
    write(&single, &text);
    let out = dir.path().join("out");
    let (code, _, stderr) = convert(&[
        path_str(&logs),
        path_str(&single),
        "--output",
        path_str(&out),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let files: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(
        files,
        [
            "a/b/one.parquet",
            "a/two.parquet",
            "four.txt.parquet",
            "single.parquet",
            "three.parquet"
        ]
    );
    for file in &files {
        assert_eq!(ReadBack::open(&out.join(file)).rows(), 30, "{file}");
    }
    // A second run into the same directory gives the same bytes.
    let before = tree(&out);
    let (code, _, stderr) = convert(&[
        path_str(&logs),
        path_str(&single),
        "--output",
        path_str(&out),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(tree(&out), before);
}

#[test]
fn mixed_formats_and_parquet_input_give_the_union_schema() {
    let dir = tempdir();
    let logs = dir.path().join("logs");
    // A header with tcp-flags and an unknown field; a header-less file in a custom format given by
    // --log-format; a Parquet file (written by convert itself) with the default v2 fields.
    write(
        &logs.join("1-header.log"),
        "version interface-id srcaddr dstport tcp-flags zz-future-field log-status\n\
         3 eni-1 10.0.0.1 443 2 x1 OK\n\
         3 eni-1 10.0.0.2 80 18 - OK\n",
    );
    write(
        &logs.join("2-headerless.log"),
        "eni-2 192.168.1.1 egress ACCEPT\n",
    );
    let v2 = dir.path().join("v2.log");
    write(&v2, v2_records(10, 2));
    let v2_parquet = logs.join("3-v2.parquet");
    let (code, _, stderr) = convert(&[path_str(&v2), "--output", path_str(&v2_parquet)]);
    assert_eq!(code, Some(0), "{stderr}");

    let out = dir.path().join("union.parquet");
    let Run {
        code, stderr, json, ..
    } = convert_to(
        &[path_str(&logs)],
        &out,
        &[
            "--log-format",
            "${interface-id} ${dstaddr} ${flow-direction} ${action}",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_subset(
        &json,
        &json!({"files": 3, "header": 1, "records": 13, "nodata": 0, "rows_written": 13}),
    );
    let back = ReadBack::open(&out);
    assert_eq!(
        back.columns,
        [
            &V2_COLUMNS[..],
            &["tcp_flags", "flow_direction", "zz_future_field"],
        ]
        .concat(),
    );
    assert_eq!(back.rows(), 13);
    let ports = back.u16s(FlowField::DstPort);
    assert_eq!(&ports[..3], &[Some(443), Some(80), None]);
    let dst = back.addresses(FlowField::DstAddr);
    assert_eq!(&dst[..3], &[None, None, Some("192.168.1.1".to_owned())]);
    assert_eq!(dst[3].as_deref(), Some("172.31.2.0"));
}

#[test]
fn malformed_lines_are_sampled_with_file_and_line() {
    let dir = tempdir();
    let log = dir.path().join("bad.log");
    let good =
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1024 22 6 1 40 1700000000 1700000060 ACCEPT OK";
    write(
        &log,
        format!(
            "{good}\n\
             2 123456789010 eni-1 10.0.0.1 10.0.0.2 1024 99999 6 1 40 1700000000 1700000060 ACCEPT OK\n\
             \n\
             2 123456789010 eni-1 10.0.0.999 10.0.0.2 1024 22 6 1 40 1700000000 1700000060 ACCEPT OK\n\
             2 123456789010 eni-1 10.0.0.1\n\
             2 123456789010 eni-1 10.0.0.1 10.0.0.2 1024 22 6 x 40 1700000000 1700000060 ACCEPT OK\n\
             {good}\n"
        ),
    );
    let out = dir.path().join("out.parquet");
    let Run {
        code,
        stdout,
        stderr,
        json,
    } = convert_to(&[path_str(&log)], &out, &[]);
    // Malformed lines are data, not errors; more than half of them malformed is said on stderr.
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "flowsieve: warning: {}: 4 of 6 lines malformed: the lines have as many fields as the \
             default v2 format (the object has no header line) but values that do not fit it \
             (`dstport` holds \"99999\": number_out_of_range); pass the flow log's LogFormat with \
             --log-format\n",
            path_str(&log)
        )
    );
    assert_subset(
        &json,
        &json!({"records": 2, "blank": 1, "malformed": 4, "rows_written": 2, "errors": []}),
    );
    let label = path_str(&log);
    assert_eq!(
        json["samples"],
        json!([
            {"file": label, "line": 2, "byte_offset": 86, "field": "dstport", "text": "99999",
             "reason": "number_out_of_range",
             "message": format!("{label}:2: number_out_of_range in field `dstport`: \"99999\"")},
            {"file": label, "line": 4, "byte_offset": 176, "field": "srcaddr", "text": "10.0.0.999",
             "reason": "invalid_address",
             "message": format!("{label}:4: invalid_address in field `srcaddr`: \"10.0.0.999\"")},
            {"file": label, "line": 5, "byte_offset": 264, "field": null, "text": "2 123456789010 eni-1 10.0.0.1",
             "reason": "field_count",
             "message": format!("{label}:5: field_count (expected 14 fields, found 4): \"2 123456789010 eni-1 10.0.0.1\"")},
            {"file": label, "line": 6, "byte_offset": 294, "field": "packets", "text": "x",
             "reason": "invalid_number",
             "message": format!("{label}:6: invalid_number in field `packets`: \"x\"")},
        ])
    );
    assert!(
        stdout.contains(&format!(
            "  {label}:2: number_out_of_range in field `dstport`: \"99999\"\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "malformed     4: field_count 1, invalid_number 1, number_out_of_range 1, invalid_address 1"
        ),
        "{stdout}"
    );
}

#[test]
fn truncated_gzip_fails_the_run_after_writing_its_earlier_records() {
    let dir = tempdir();
    let logs = dir.path().join("logs");
    let text = v2_records(20_000, 3);
    let whole = gzip(text.as_bytes());
    write(&logs.join("a-cut.log.gz"), &whole[..whole.len() / 2]);
    write(&logs.join("b-whole.log.gz"), &whole);
    let out = dir.path().join("out.parquet");
    let Run {
        code,
        stdout,
        stderr,
        json,
    } = convert_to(&[path_str(&logs)], &out, &["--batch-size", "1000"]);
    assert_eq!(code, Some(1), "{stderr}");
    let cut = logs.join("a-cut.log.gz");
    assert!(
        stderr.starts_with(&format!(
            "flowsieve: error: {}: gzip stream is truncated",
            cut.display()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(json["errors"][0]["file"], path_str(&cut));
    assert_eq!(json["malformed_by_reason"]["truncated"], 1);
    let rows = json["rows_written"].as_u64().expect("rows_written");
    let counted = ["records", "nodata", "skipdata"]
        .iter()
        .map(|k| json[k].as_u64().unwrap_or(0))
        .sum::<u64>();
    assert_eq!(rows, counted);
    // The whole file's 20000 rows, and a good part of the cut one's.
    assert!(rows > 20_000 + 5_000 && rows < 40_000, "{rows}");
    assert_eq!(ReadBack::open(&out).rows() as u64, rows);
    assert!(stdout.contains("files         2 (1 failed"), "{stdout}");

    // Into a directory: the cut file's earlier records are in its own output.
    let out_dir = dir.path().join("dir");
    let (code, _, stderr) = convert(&[path_str(&logs), "--output", path_str(&out_dir)]);
    assert_eq!(code, Some(1), "{stderr}");
    let cut_rows = ReadBack::open(&out_dir.join("a-cut.parquet")).rows() as u64;
    assert_eq!(cut_rows, rows - 20_000);
    assert_eq!(
        ReadBack::open(&out_dir.join("b-whole.parquet")).rows(),
        20_000
    );
}

/// An archive of several files in two formats, some gzip, each several batches long.
fn archive(dir: &Path) -> PathBuf {
    let logs = dir.join("logs");
    for i in 0..7 {
        let mut text = v2_records(500 + 400 * i, i);
        if i % 3 == 1 {
            text = format!(
                "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n{text}"
            );
        }
        if i == 4 {
            text.push_str("2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 70000 6 1 1 1 2 ACCEPT OK\n");
        }
        let name = format!("{i:02}.log");
        if i % 2 == 0 {
            write(&logs.join(format!("{name}.gz")), gzip(text.as_bytes()));
        } else {
            write(&logs.join(name), text);
        }
    }
    write(
        &logs.join("07-v5.log"),
        std::fs::read(
            common::workspace_root()
                .join("testdata/logs/flowlogs-v5-service-traffic-path-docs.log"),
        )
        .expect("testdata"),
    );
    logs
}

#[test]
fn output_bytes_do_not_depend_on_the_thread_count() {
    let dir = tempdir();
    let logs = archive(dir.path());
    let mut files = Vec::new();
    let mut trees = Vec::new();
    let mut summaries = Vec::new();
    for threads in ["1", "2", "5"] {
        let out = dir.path().join(format!("out-{threads}.parquet"));
        let Run {
            code,
            stderr,
            mut json,
            ..
        } = convert_to(
            &[path_str(&logs)],
            &out,
            &["--threads", threads, "--batch-size", "128"],
        );
        assert_eq!(code, Some(0), "{stderr}");
        files.push(std::fs::read(&out).expect("output"));
        json["seconds"] = Value::Null;
        json["output"] = Value::Null;
        summaries.push(json);

        let out_dir = dir.path().join(format!("dir-{threads}"));
        let (code, _, stderr) = convert(&[
            path_str(&logs),
            "--output",
            path_str(&out_dir),
            "--threads",
            threads,
            "--batch-size",
            "128",
        ]);
        assert_eq!(code, Some(0), "{stderr}");
        trees.push(tree(&out_dir));
    }
    assert!(files[0].starts_with(b"PAR1"));
    assert!(
        files.iter().all(|f| *f == files[0]),
        "single-file outputs differ"
    );
    assert!(
        trees.iter().all(|t| *t == trees[0]),
        "directory outputs differ"
    );
    assert_eq!(trees[0].len(), 8);
    assert!(summaries.iter().all(|s| *s == summaries[0]));
    assert_eq!(summaries[0]["malformed"], 1);
    assert_eq!(summaries[0]["samples"][0]["line"], 2102);
}

#[test]
fn strict_mode_stops_at_the_first_problem_in_input_order() {
    let dir = tempdir();
    let logs = archive(dir.path());
    let out = dir.path().join("out.parquet");
    let (code, stdout, stderr) =
        convert(&[path_str(&logs), "--output", path_str(&out), "--strict"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "flowsieve: error: {}:2102: malformed line: number_out_of_range in field `dstport`: \"70000\"\n",
            logs.join("04.log.gz").display()
        )
    );
    assert_eq!(stdout, "");
    // Nothing is left behind.
    assert!(
        tree(dir.path()).keys().all(|k| k.starts_with("logs/")),
        "{:?}",
        tree(dir.path()).keys()
    );

    // Into a directory: the files before the failing one are written, none from it on.
    let out_dir = dir.path().join("dir");
    let (code, _, _) = convert(&[path_str(&logs), "--output", path_str(&out_dir), "--strict"]);
    assert_eq!(code, Some(1));
    let files: Vec<String> = tree(&out_dir).into_keys().collect();
    assert_eq!(
        files,
        ["00.parquet", "01.parquet", "02.parquet", "03.parquet"]
    );

    // A file error stops too: the JSON payload comes first in testdata/logs.
    let (code, _, stderr) = convert(&["testdata/logs", "--output", path_str(&out), "--strict"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with(&format!("flowsieve: error: {JSON_LOG}: this is JSON")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // Without the failing files, strict mode stops at the malformed line.
    let (code, _, stderr) = convert(&[TCP_FLAGS_LOG, "--output", path_str(&out), "--strict"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with(&format!(
            "flowsieve: error: {TCP_FLAGS_LOG}:9: malformed line: empty_field"
        )),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn the_output_is_never_read_as_an_input() {
    let dir = tempdir();
    let logs = dir.path().join("logs");
    write(&logs.join("a.log"), v2_records(20, 4));
    let out = logs.join("all.parquet");
    let summary = dir.path().join("summary.json");
    for _ in 0..2 {
        let (code, _, stderr) = convert(&[
            path_str(&logs),
            "--output",
            path_str(&out),
            "--summary-json",
            path_str(&summary),
        ]);
        assert_eq!(code, Some(0), "{stderr}");
        assert_subset(
            &read_json(&summary),
            &json!({"files": 1, "rows_written": 20}),
        );
    }
}

#[test]
fn bad_arguments_fail_cleanly() {
    let (code, _, stderr) = convert(&["no/such/dir", "--output", "x.parquet"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with("flowsieve: error: cannot read no/such/dir: "),
        "{stderr}"
    );
    assert!(!stderr.trim_end().ends_with('.'), "{stderr}");

    let dir = tempdir();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let (code, _, stderr) = convert(&[path_str(&empty), "--output", "x.parquet"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "flowsieve: error: no flow-log files found in {}\n",
            empty.display()
        )
    );

    let (code, _, stderr) = convert(&[
        "testdata/logs",
        "--output",
        "x.parquet",
        "--log-format",
        "${version} ${version}",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("appears twice"), "{stderr}");
    for (option, value) in [
        ("--compression", "brotli"),
        ("--threads", "0"),
        ("--threads", "100000"),
        ("--batch-size", "0"),
        ("--batch-size", "99999999999999999999"),
    ] {
        let (code, _, stderr) = convert(&["testdata/logs", "--output", "x.parquet", option, value]);
        assert_eq!(code, Some(2), "{option} {value}: {stderr}");
    }
}

/// Prints what pyarrow, DuckDB and Polars see in a Parquet file, as JSON.
const INTEROP: &str = r#"
import json, sys
import duckdb, polars, pyarrow, pyarrow.parquet as pq

path = sys.argv[1]
table = pq.read_table(path)
rows = table.to_pylist()
con = duckdb.connect()
scan = "read_parquet('" + path.replace("'", "''") + "')"
described = con.execute("DESCRIBE SELECT * FROM " + scan).fetchall()
rejected = con.execute(
    "SELECT srcaddr, dstport, action, start FROM " + scan
    + " WHERE dstport = 3389").fetchall()
counts = con.execute(
    "SELECT count(*), count(*) FILTER (WHERE log_status = 'NODATA'), sum(bytes)::BIGINT FROM " + scan
).fetchone()
frame = polars.read_parquet(path)
print(json.dumps({
    "pyarrow": {
        "rows": table.num_rows,
        "types": {f.name: str(f.type) for f in table.schema},
        "first": {k: (v.hex() if isinstance(v, bytes) else str(v)) for k, v in rows[0].items()
                  if k in ("srcaddr", "dstport", "interface_id", "start", "action", "tcp_flags")},
        "srcaddr_6": rows[6]["srcaddr"].hex() if isinstance(rows[6]["srcaddr"], bytes) else rows[6]["srcaddr"],
    },
    "duckdb": {
        "types": {name: kind for name, kind, *_ in described},
        "rejected": [[a.hex() if isinstance(a, bytes) else a, p, act, t] for a, p, act, t in rejected],
        "count": counts[0], "nodata": counts[1], "bytes": counts[2],
    },
    "polars": {"shape": list(frame.shape), "dstport": str(frame.schema["dstport"]),
               "start": str(frame.schema["start"]), "start_0": str(frame["start"][0])},
}))
"#;

#[test]
fn written_files_open_in_pyarrow_duckdb_and_polars() {
    let dir = tempdir();
    let out = dir.path().join("all.parquet");
    let (code, _, stderr) = convert(&["testdata/logs", "--output", path_str(&out)]);
    assert_eq!(code, Some(1), "{stderr}");
    let seen: Value = serde_json::from_str(&run_python(INTEROP, &[&out])).expect("json");

    let pyarrow = &seen["pyarrow"];
    assert_eq!(pyarrow["rows"], 28);
    let types = &pyarrow["types"];
    for (column, kind) in [
        ("version", "uint8"),
        ("srcaddr", "string"),
        ("dstport", "uint16"),
        ("protocol", "uint8"),
        ("packets", "uint64"),
        // Parquet has no timestamp in seconds: start/end are INT64 Unix seconds, as in AWS's own
        // Parquet flow logs; pyarrow and DuckDB show them as integers, Polars restores the
        // timestamp from the embedded Arrow schema (below).
        ("start", "int64"),
        (
            "interface_id",
            "dictionary<values=string, indices=int32, ordered=0>",
        ),
        (
            "action",
            "dictionary<values=string, indices=int32, ordered=0>",
        ),
        ("tcp_flags", "uint8"),
    ] {
        assert_eq!(types[column], kind, "pyarrow type of {column}: {types:#}");
    }
    assert_eq!(types.as_object().map(|t| t.len()), Some(39));
    assert_eq!(
        pyarrow["first"],
        json!({
            "srcaddr": "172.31.16.139", "dstport": "22", "interface_id": "eni-1235b8ca123456789",
            "start": "1418530010", "action": "ACCEPT", "tcp_flags": "None"
        })
    );
    assert_eq!(
        pyarrow["srcaddr_6"],
        "2001:db8:1234:a100:8d6e:3477:df66:f105"
    );

    let duckdb = &seen["duckdb"];
    let types = &duckdb["types"];
    for (column, kind) in [
        ("srcaddr", "VARCHAR"),
        ("dstport", "USMALLINT"),
        ("protocol", "UTINYINT"),
        ("bytes", "UBIGINT"),
        ("start", "BIGINT"),
        ("interface_id", "VARCHAR"),
        ("log_status", "VARCHAR"),
    ] {
        assert_eq!(types[column], kind, "DuckDB type of {column}: {types:#}");
    }
    assert_eq!(
        duckdb["rejected"],
        json!([["172.31.9.69", 3389, "REJECT", 1_418_530_010]])
    );
    assert_eq!(duckdb["count"], 28);
    assert_eq!(duckdb["nodata"], 2);
    assert_eq!(seen["polars"]["shape"], json!([28, 39]));
    assert_eq!(seen["polars"]["dstport"], "UInt16");
    assert_eq!(
        seen["polars"]["start"],
        "Datetime(time_unit='ms', time_zone='UTC')"
    );
    assert_eq!(seen["polars"]["start_0"], "2014-12-14 04:06:50+00:00");
}

#[test]
fn binary_addresses_open_as_16_bytes() {
    let dir = tempdir();
    let out = dir.path().join("v2.parquet");
    let (code, _, stderr) = convert(&[
        "testdata/logs/flowlogs-v2-default-docs.log",
        "--output",
        path_str(&out),
        "--binary-addresses",
        "--compression",
        "snappy",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let seen: Value = serde_json::from_str(&run_python(INTEROP, &[&out])).expect("json");
    assert_eq!(seen["pyarrow"]["types"]["srcaddr"], "fixed_size_binary[16]");
    // 172.31.16.139 as IPv4-mapped IPv6.
    assert_eq!(
        seen["pyarrow"]["first"]["srcaddr"],
        "00000000000000000000ffffac1f108b"
    );
    assert_eq!(seen["duckdb"]["types"]["srcaddr"], "BLOB");
    assert_eq!(
        seen["duckdb"]["rejected"],
        json!([[
            "00000000000000000000ffffac1f0945",
            3389,
            "REJECT",
            1_418_530_010
        ]])
    );
    assert_eq!(seen["duckdb"]["count"], 7);
    // And flowsieve reads its own binary form back.
    assert_eq!(
        ReadBack::open(&out).addresses(FlowField::SrcAddr)[0].as_deref(),
        Some("172.31.16.139")
    );
}

#[test]
fn every_codec_writes_a_readable_file() {
    let dir = tempdir();
    for codec in ["zstd", "snappy", "gzip", "lz4", "none"] {
        let out = dir.path().join(format!("{codec}.parquet"));
        let (code, stdout, stderr) = convert(&[
            "testdata/logs/flowlogs-v5-service-traffic-path-docs.log",
            "--output",
            path_str(&out),
            "--compression",
            codec,
        ]);
        assert_eq!(code, Some(0), "{codec}: {stderr}");
        assert!(stdout.contains("rows written  2 to "), "{stdout}");
        assert_eq!(ReadBack::open(&out).rows(), 2, "{codec}");
    }
}

#[test]
fn aws_writes_the_objects_aws_would_have_delivered_as_parquet() {
    let dir = tempdir();
    let logs = dir.path().join("logs");
    let key = "AWSLogs/123456789010/vpcflowlogs/eu-west-1/2026/11/01/\
               123456789010_vpcflowlogs_eu-west-1_fl-0123456789abcdef0_20261101T0000Z_1a2b3c4d";
    let text = v2_records(100, 2);
    write(&logs.join(format!("{key}.log.gz")), gzip(text.as_bytes()));
    let out = dir.path().join("aws");
    let run = convert_to(
        &[path_str(&logs)],
        &out,
        &["--aws", "--row-group-rows", "32"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("(gzip, AWS's column types)"),
        "{}",
        run.stdout
    );
    let files: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(files, [format!("{key}.log.parquet")]);
    let path = out.join(&files[0]);
    let back = ReadBack::open(&path);
    assert_eq!(back.rows(), 100);
    let reader =
        ParquetFlowReader::try_new(File::open(&path).unwrap(), ReaderBuilder::new()).unwrap();
    assert_eq!(reader.row_group_count(), 4);
    // The same records as the text, read back.
    let from_text = ReaderBuilder::new().build(text.as_bytes()).unwrap();
    let text_rows: usize = from_text.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(text_rows, back.rows());

    // Addresses are text in AWS's files; a row group of no rows does not exist.
    let (code, _, stderr) = convert(&[
        path_str(&logs),
        "--output",
        path_str(&dir.path().join("x")),
        "--aws",
        "--binary-addresses",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, _, stderr) = convert(&[
        path_str(&logs),
        "--output",
        path_str(&dir.path().join("y")),
        "--row-group-rows",
        "0",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
}
