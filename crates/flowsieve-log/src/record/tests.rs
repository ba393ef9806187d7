use super::*;

fn value<T>(result: FieldResult<'_, T>) -> Option<T> {
    result.ok().map(|(_, v)| v)
}

#[test]
fn decimals() {
    // Every length on both sides of the word boundaries, followed by a space or the end.
    for digits in 1..=20 {
        let text = "9876543210987654321".repeat(2)[..digits].to_owned();
        let expected = text.parse::<u64>().ok();
        assert_eq!(value(decimal(text.as_bytes())), expected, "{text}");
        let spaced = format!("{text} 5");
        assert_eq!(value(decimal(spaced.as_bytes())), expected, "{spaced}");
        if let Ok((rest, _)) = decimal(spaced.as_bytes()) {
            assert_eq!(rest, b" 5");
        }
        let bad = format!("{text}x");
        assert!(decimal(bad.as_bytes()).is_err(), "{bad}");
    }
    assert_eq!(value(decimal(b"00000000000000000007")), Some(7));
    assert_eq!(value(decimal(b"0")), Some(0));
    assert_eq!(value(decimal(b"65535 x")), Some(65535));
    assert_eq!(value(decimal(b"18446744073709551615")), Some(u64::MAX));
    assert_eq!(
        decimal(b"18446744073709551616").unwrap_err(),
        nom::Err::Error(FieldError::OutOfRange)
    );
    assert_eq!(
        decimal(b"12a").unwrap_err(),
        nom::Err::Error(FieldError::InvalidNumber)
    );
    assert_eq!(
        decimal(b"").unwrap_err(),
        nom::Err::Error(FieldError::InvalidNumber)
    );
    assert_eq!(
        decimal(b"+1").unwrap_err(),
        nom::Err::Error(FieldError::InvalidNumber)
    );
}

#[test]
fn repeated_addresses_take_the_same_value_and_only_the_same_text() {
    use crate::{FlowField, ReaderBuilder};
    let text = "srcaddr dstaddr pkt-srcaddr pkt-dstaddr interface-id\n\
                10.0.0.1 10.0.0.2 10.0.0.1 10.0.0.2 eni-1\n\
                10.0.0.1 10.0.0.2 10.0.0.12 10.0.0.2x eni-1\n\
                10.0.0.1 2600:1f18::5 2600:1f18::5 10.0.0.1 eni-1\n\
                10.0.0.1 10.0.0.2 - 10.0.0.1 eni-1\n";
    let mut reader = ReaderBuilder::new().build(text.as_bytes()).expect("reader");
    let batch = reader.next().expect("a batch").expect("batch");
    let column = |f| {
        let a = batch.addresses(f).expect("column");
        (0..a.len())
            .map(|r| a.get(r).map(|v| crate::address_to_ip(v).to_string()))
            .collect::<Vec<_>>()
    };
    let some = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
    assert_eq!(column(FlowField::PktSrcAddr)[0], Some("10.0.0.1".into()));
    assert_eq!(column(FlowField::PktDstAddr)[0], Some("10.0.0.2".into()));
    // Row 2 of the text (a prefix of an earlier address, and a bad one) is malformed.
    assert_eq!(reader.stats().counts.malformed, 1);
    assert_eq!(
        reader.stats().samples[0].to_string(),
        "<input>:3: malformed line: invalid_address in field `pkt-dstaddr`: \"10.0.0.2x\""
    );
    assert_eq!(
        column(FlowField::PktSrcAddr),
        vec![Some("10.0.0.1".into()), Some("2600:1f18::5".into()), None]
    );
    assert_eq!(
        column(FlowField::PktDstAddr),
        some(&["10.0.0.2", "10.0.0.1", "10.0.0.1"])
    );
    assert_eq!(
        column(FlowField::DstAddr),
        some(&["10.0.0.2", "2600:1f18::5", "10.0.0.2"])
    );
}

/// The repeated-address shortcut against std's parser on every pair of texts that share
/// prefixes, of lengths around its 16-byte word, mid-line and at the end of the line
/// (where fewer than 16 bytes remain and the shortcut must not be taken).
#[test]
fn repeated_address_shortcut_agrees_with_parsing_each_text() {
    use crate::{FlowField, ReaderBuilder};
    let texts = [
        "10.0.0.1",
        "10.0.0.12",
        "10.0.0.1x",
        "100.100.100.100",
        "100.100.100.10",
        "::ffff:10.0.0.1",
        "2600:1f18::5",
        "2600:1f18::55",
        "2600:1f18:0:0:0:0:0:5",
        "2600:1f18:0:0:0:0:0:55",
    ];
    let parse = |t: &str| {
        t.parse::<std::net::IpAddr>().ok().map(|a| match a {
            std::net::IpAddr::V4(v4) => IPV4_MAPPED_PREFIX | u128::from(u32::from(v4)),
            std::net::IpAddr::V6(v6) => u128::from(v6),
        })
    };
    for last in [false, true] {
        let (header, tail) = if last {
            ("interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr", "")
        } else {
            (
                "srcaddr dstaddr pkt-srcaddr pkt-dstaddr interface-id",
                " eni-1",
            )
        };
        let mut text = format!("{header}\n");
        let mut expected = Vec::new();
        for a in texts {
            for b in texts {
                let fields = [a, b, b, a];
                let line = fields.join(" ");
                text += &if last {
                    format!("eni-1 {line}\n")
                } else {
                    format!("{line}{tail}\n")
                };
                let values: Option<Vec<u128>> = fields.iter().map(|t| parse(t)).collect();
                expected.extend(values);
            }
        }
        let mut reader = ReaderBuilder::new().build(text.as_bytes()).expect("reader");
        let mut rows = Vec::new();
        for batch in reader.by_ref() {
            let batch = batch.expect("batch");
            let fields = [
                FlowField::SrcAddr,
                FlowField::DstAddr,
                FlowField::PktSrcAddr,
                FlowField::PktDstAddr,
            ];
            let columns = fields.map(|f| batch.addresses(f).expect("column"));
            for r in 0..batch.num_rows() {
                rows.push(
                    columns
                        .iter()
                        .map(|c| c.get(r).expect("value"))
                        .collect::<Vec<u128>>(),
                );
            }
        }
        assert_eq!(rows, expected, "last = {last}");
        let bad = texts.iter().filter(|t| parse(t).is_none()).count();
        let lines = texts.len() * texts.len();
        let good = (texts.len() - bad) * (texts.len() - bad);
        assert_eq!(reader.stats().counts.malformed as usize, lines - good);
    }
}

#[test]
fn ipv6_groups_agrees_with_std() {
    let parse = |text: &str| ipv6_groups(text.as_bytes());
    let std = |text: &str| text.parse::<Ipv6Addr>().ok().map(u128::from);
    for text in [
        "::",
        "::1",
        "1::",
        "2600:1f18:4c2:a00::5",
        "2001:db8:0:0:0:0:2:1",
        "fe80::1:2:3:4:5:6",
        "1:2:3:4:5:6:7:8",
        "ABCD:ef01::",
        "::ffff:a00:1",
    ] {
        assert_eq!(parse(text), std(text), "{text}");
        assert!(parse(text).is_some(), "{text}");
    }
    for text in [
        "",
        ":",
        ":::",
        "1:::2",
        "1::2::3",
        ":1::2",
        "1:2",
        "1:",
        "12345::",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4::5:6:7:8",
        "::ffff:10.0.0.1",
        "g::1",
    ] {
        assert_eq!(parse(text), None, "{text}");
    }
}

proptest::proptest! {
    /// Whatever `ipv6_groups` accepts, the standard parser accepts with the same value.
    #[test]
    fn ipv6_groups_never_disagrees(text in "[0-9a-fA-F:.]{0,41}") {
        if let Some(value) = ipv6_groups(text.as_bytes()) {
            proptest::prop_assert_eq!(Some(value), text.parse::<Ipv6Addr>().ok().map(u128::from));
        }
    }

    /// Every address in its canonical and its full form goes through the fast path.
    #[test]
    fn ipv6_groups_takes_every_address(bits: u128) {
        let address = Ipv6Addr::from(bits);
        let full = address.segments().map(|g| format!("{g:x}")).join(":");
        proptest::prop_assert_eq!(ipv6_groups(full.as_bytes()), Some(bits));
        let canonical = address.to_string();
        if !canonical.contains('.') {
            proptest::prop_assert_eq!(ipv6_groups(canonical.as_bytes()), Some(bits));
        }
    }
}

#[test]
fn addresses_ipv4_mapped_and_ipv6() {
    let v4 = value(address(b"172.31.16.139")).unwrap();
    assert_eq!(
        v4,
        u128::from(std::net::Ipv4Addr::new(172, 31, 16, 139).to_ipv6_mapped())
    );
    let v6 = value(address(b"2001:db8:1234:a100:8d6e:3477:df66:f105 1")).unwrap();
    assert_eq!(
        v6,
        u128::from(
            "2001:db8:1234:a100:8d6e:3477:df66:f105"
                .parse::<Ipv6Addr>()
                .unwrap()
        )
    );
    for bad in [
        &b"256.1.1.1"[..],
        b"1.2.3",
        b"1.2.3.4.5",
        b"1234.1.1.1",
        b"fe80::1%eth0",
        b"x",
    ] {
        assert_eq!(
            address(bad).unwrap_err(),
            nom::Err::Error(FieldError::InvalidAddress),
            "{bad:?}"
        );
    }
    // An IPv4 prefix of a longer token is not an IPv4 address.
    assert!(address(b"1.2.3.4x").is_err());
    // Every octet length at every position, followed by a space, the end, or more text.
    for a in [0u8, 7, 10, 99, 100, 255] {
        for b in [1u8, 42, 172, 250] {
            let ip = std::net::Ipv4Addr::new(a, b, b, a);
            let expected = u128::from(ip.to_ipv6_mapped());
            let text = ip.to_string();
            assert_eq!(value(address(text.as_bytes())), Some(expected), "{text}");
            let spaced = format!("{text} 22");
            let (rest, v) = address(spaced.as_bytes()).unwrap();
            assert_eq!((rest, v), (&b" 22"[..], expected), "{spaced}");
            assert!(address(format!("{text}.1").as_bytes()).is_err(), "{text}.1");
            assert!(
                address(format!("{text}1234").as_bytes()).is_err(),
                "{text}1234"
            );
        }
    }
    for bad in [
        &b"1..2.3"[..],
        b".1.2.3.4",
        b"1.2.3.",
        b"1.2.3.4.",
        b"1.2.3.256",
        b"1.2.3.4\0",
    ] {
        assert!(address(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        value(address(b"010.001.000.009")),
        Some(u128::from(
            std::net::Ipv4Addr::new(10, 1, 0, 9).to_ipv6_mapped()
        ))
    );
}

#[test]
fn tokens_and_keywords() {
    assert_eq!(
        token(b"eni-1235b8ca123456789 x").unwrap(),
        (&b" x"[..], &b"eni-1235b8ca123456789"[..])
    );
    assert_eq!(token(b"us-east-1").unwrap(), (&b""[..], &b"us-east-1"[..]));
    assert_eq!(value(closed(b"ACCEPT OK")), Some(Action::Accept));
    assert_eq!(value(closed(b"REJECT")), Some(Action::Reject));
    for bad in [&b"ACCEPTED"[..], b"ACCEP", b"accept", b"", b" ACCEPT"] {
        assert!(closed::<Action>(bad).is_err(), "{bad:?}");
    }
    assert_eq!(value(closed(b"OK")), Some(LogStatus::Ok));
    assert_eq!(value(closed(b"NODATA us-east-1")), Some(LogStatus::NoData));
    assert_eq!(value(closed(b"SKIPDATA")), Some(LogStatus::SkipData));
    assert!(closed::<LogStatus>(b"OKAY").is_err());
    assert_eq!(value(closed(b"egress -")), Some(FlowDirection::Egress));
    assert!(closed::<FlowDirection>(b"ingress2").is_err());
    assert_eq!(value(closed(b"EFA -")), Some(TrafficKind::Efa));
    assert!(closed::<TrafficKind>(b"ipv4").is_err());
}

/// The v2 fast path accepts a subset of what the generic loop accepts, with the same row:
/// mutate valid lines byte by byte and compare the two on every result.
#[test]
fn v2_fast_path_agrees_with_the_generic_loop() {
    use crate::format::LogFormat;
    use crate::plan::FieldPlan;
    let plan = FieldPlan::new(&LogFormat::default_v2(), None).unwrap();
    assert!(plan.is_v2_full());
    let seeds: [&[u8]; 5] = [
        b"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
        b"2 1 eni-1 2001:db8::1 10.0.0.2 1 65535 255 18446744073709551615 0 9223372036854775807 2 REJECT SKIPDATA",
        b"255 x y 0.0.0.0 255.255.255.255 0 0 0 12345678 123456789 1 22 ACCEPT OK",
        b"2 a b 1.2.3.4 5.6.7.8 1 2 3 4 5 6 7 REJECT NODATA",
    ];
    let alphabet = b" -.:0123456789OKACEPTRJNDSIabf\xff\n";
    let mut rng = crate::mutate::XorShift::new(0x9E37_79B9_7F4A_7C15);
    let (mut accepted, mut total) = (0, 0);
    for seed in seeds {
        for _ in 0..4000 {
            let line = crate::mutate::mutate(seed, alphabet, &mut rng);
            let mut fast = plan.new_columns(4);
            let mut slow = plan.new_columns(4);
            let generic = parse_line(plan.slots(), &mut slow, &line);
            total += 1;
            if let Some((status, len)) = parse_line_v2(&mut fast, &line)
                && len == line.len()
            {
                accepted += 1;
                assert_eq!(generic, Ok(status), "{:?}", String::from_utf8_lossy(&line));
                for (storage, field) in plan.outputs() {
                    let a = fast.finish_column(*storage, field.data_type(), 1).unwrap();
                    let b = slow.finish_column(*storage, field.data_type(), 1).unwrap();
                    assert_eq!(&a, &b, "{:?}", String::from_utf8_lossy(&line));
                }
            }
        }
    }
    assert!(
        accepted > total / 10 && accepted < total,
        "{accepted} of {total}"
    );
}

#[test]
fn empty_and_count_faults() {
    let fault = count_fault(b"a  b", 3);
    assert_eq!(fault.kind, LineIssueKind::EmptyField);
    assert_eq!((fault.field, fault.start), (Some(1), 2));
    let fault = count_fault(b"a b", 3);
    assert_eq!(
        fault.kind,
        LineIssueKind::FieldCount {
            expected: 3,
            found: 2
        }
    );
    let fault = count_fault(b"a b c d", 3);
    assert_eq!(
        fault.kind,
        LineIssueKind::FieldCount {
            expected: 3,
            found: 4
        }
    );
    let fault = count_fault(b"a b c ", 3);
    assert_eq!(
        (fault.kind, fault.field, fault.start),
        (LineIssueKind::EmptyField, None, 6)
    );
}
