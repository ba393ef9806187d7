"""Bad input raises the typed errors, with the file, the line and the reason."""

from __future__ import annotations

import flowsieve
import pytest


def test_invalid_inventory_json_names_file_and_line(tmp_path):
    broken = tmp_path / "describe-security-groups.json"
    broken.write_text('{"SecurityGroups": [\n  {"GroupId": "sg-1",\n}\n')
    with pytest.raises(flowsieve.InventoryError) as caught:
        flowsieve.Network.load([str(broken)])
    err = caught.value
    assert isinstance(err, flowsieve.FlowsieveError)
    assert err.file == str(broken) and err.line == 3 and err.reason == "invalid_json"
    assert str(broken) in str(err)


def test_missing_inventory_path(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(flowsieve.InventoryError) as caught:
        flowsieve.Network.load([str(missing)])
    assert caught.value.file == str(missing) and caught.value.reason == "io"


def test_strict_malformed_line_names_file_and_line(tmp_path, demo_network):
    log = tmp_path / "flows.log"
    log.write_text(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
        "2 123456789012 eni-0a1b2c3d4e5f67890 10.0.0.1 10.0.0.2 40000 443 6 3 180 1745193600 1745193660 ACCEPT OK\n"
        "2 123456789012 eni-0a1b2c3d4e5f67890 10.0.0.1 10.0.0.2 99999 443 6 3 180 1745193600 1745193660 ACCEPT OK\n"
    )
    with pytest.raises(flowsieve.FlowLogError) as caught:
        flowsieve.analyze(demo_network, [str(log)], strict=True)
    err = caught.value
    assert (err.file, err.line, err.reason) == (str(log), 3, "number_out_of_range")


def test_nothing_to_judge_is_refused_unless_allowed(tmp_path, demo_network):
    log = tmp_path / "flows.log"
    log.write_text(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
        "2 123456789012 eni-0a1b2c3d4e5f67890 - - - - - - - 1745193600 1745193660 - NODATA\n"
    )
    with pytest.raises(flowsieve.NotJudgeableError) as caught:
        flowsieve.analyze(demo_network, [str(log)])
    assert caught.value.reason == "no_records"
    report = flowsieve.analyze(demo_network, [str(log)], allow_empty=True)
    assert report.to_dict()["summary"]["nodata"] == 1


def test_options_are_checked(demo, demo_network):
    logs = [str(demo / "logs")]
    with pytest.raises(flowsieve.OptionError, match="unknown option `thread`"):
        flowsieve.analyze(demo_network, logs, thread=2)
    with pytest.raises(flowsieve.OptionError, match="threads must be from 1 to 1024"):
        flowsieve.analyze(demo_network, logs, threads=100000)
    with pytest.raises(flowsieve.OptionError, match="timezone"):
        import datetime

        flowsieve.analyze(demo_network, logs, since=datetime.datetime(2025, 4, 21))
    with pytest.raises(flowsieve.OptionError, match="not a time"):
        flowsieve.analyze(demo_network, logs, until="2025-04-21 12:00")
    with pytest.raises(flowsieve.OptionError, match="unknown flow-log field"):
        flowsieve.read_flow_logs(logs, fields=["srcadr"])


def test_no_files(tmp_path, demo_network):
    with pytest.raises(flowsieve.FlowsieveError, match="no flow-log files"):
        flowsieve.analyze(demo_network, [str(tmp_path)])


def test_a_finished_analyzer_cannot_be_reused(demo_network):
    analyzer = flowsieve.Analyzer(demo_network)
    analyzer.finish(allow_empty=True)
    with pytest.raises(flowsieve.FlowsieveError, match="finished"):
        analyzer.partial()


def test_an_empty_inventory_is_refused_unless_allowed(tmp_path):
    (tmp_path / "notes.json").write_text('{"hello": "world"}')
    with pytest.raises(flowsieve.InventoryError) as caught:
        flowsieve.Network.load([str(tmp_path)])
    assert caught.value.reason == "empty_inventory"
    assert flowsieve.Network.load([str(tmp_path)], allow_empty=True).counts()["rules"] == 0


@pytest.mark.parametrize("bad", ["x", b"x", {"srcaddr": ["10.0.0.1"]}, ["logs/f.log.gz"], 5])
def test_add_refuses_what_is_not_arrow(demo_network, bad):
    analyzer = flowsieve.Analyzer(demo_network)
    with pytest.raises(TypeError, match="add_logs"):
        analyzer.add(bad)


def test_add_refuses_an_array_that_is_not_a_batch(demo_network):
    import pyarrow as pa

    with pytest.raises(TypeError, match="not a record batch"):
        flowsieve.Analyzer(demo_network).add(pa.array([1, 2]))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"threads": True}, "threads must be an integer"),
        ({"since": True}, "not a boolean"),
        ({"until": 1745193600000}, "looks like unix milliseconds"),
        ({"until": "1745193600000"}, "looks like unix milliseconds"),
        ({"strict": 1}, "strict must be True or False"),
        ({"log_format": 5}, "log_format must be a string"),
        ({"top": 0}, "top must be from 1"),
        ({"batch_size": 2**40}, "batch_size must be from 1 to 1048576"),
    ],
)
def test_option_types_and_ranges(demo, demo_network, options, message):
    with pytest.raises(flowsieve.OptionError, match=message):
        flowsieve.analyze(demo_network, [str(demo / "logs")], **options)


def test_rendering_checks_its_numbers(demo, demo_network):
    report = flowsieve.analyze(demo_network, [str(demo / "logs")])
    with pytest.raises(flowsieve.OptionError, match="top must be from 1"):
        report.to_table(top=0)
    with pytest.raises(flowsieve.OptionError, match="width must be from 60"):
        report.to_table(width=10)
    assert set(report.rule_ids_by_status()) == {"used", "unused", "unknown"}
