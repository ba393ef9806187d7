//! The push decoder fed in chunks against the pull reader fed the whole input: the same
//! batches (batch for batch, byte for byte), the same line accounting, the same error. The
//! first bytes choose the batch size, the line bound, whether a projection is set, and the
//! chunk sizes; the rest is the text.
#![no_main]

use flowsieve_log::{FlowField, FlowRecordBatch, LineStats, ReaderBuilder};
use libfuzzer_sys::fuzz_target;

fn builder(batch_size: usize, max_line: usize, projected: bool) -> ReaderBuilder {
    let builder = ReaderBuilder::new()
        .with_batch_size(batch_size)
        .with_max_line_length(max_line)
        .with_sample_limit(usize::MAX);
    if projected {
        builder.with_projection([
            FlowField::DstPort,
            FlowField::SrcAddr,
            FlowField::LogStatus,
            FlowField::TcpFlags,
        ])
    } else {
        builder
    }
}

type Outcome = (Vec<FlowRecordBatch>, LineStats, Option<String>);

fn pull(builder: ReaderBuilder, text: &[u8]) -> Outcome {
    let mut reader = builder.build(text).expect("a valid configuration");
    let mut batches = Vec::new();
    let mut error = None;
    for item in reader.by_ref() {
        match item {
            Ok(batch) => batches.push(batch),
            Err(err) => error = Some(err.to_string()),
        }
    }
    let stats = LineStats {
        bytes: 0,
        ..reader.stats().clone()
    };
    (batches, stats, error)
}

fn push(builder: ReaderBuilder, text: &[u8], chunk_sizes: &[u8]) -> Outcome {
    let mut decoder = builder.build_decoder().expect("a valid configuration");
    let mut batches = Vec::new();
    let mut pending = Vec::new();
    let mut rest = text;
    let mut sizes = chunk_sizes.iter().cycle();
    let mut run = || -> flowsieve_log::Result<()> {
        while !rest.is_empty() {
            let size = sizes.next().map_or(rest.len(), |&s| usize::from(s).max(1));
            let (chunk, tail) = rest.split_at(size.min(rest.len()));
            rest = tail;
            pending.extend_from_slice(chunk);
            loop {
                let consumed = decoder.decode(&pending)?;
                pending.drain(..consumed);
                if decoder.is_full() {
                    batches.extend(decoder.flush()?);
                } else {
                    break;
                }
            }
        }
        decoder.finish(&pending, false)?;
        batches.extend(decoder.flush()?);
        Ok(())
    };
    let error = run().err().map(|err| err.to_string());
    (batches, decoder.stats().clone(), error)
}

fuzz_target!(|data: &[u8]| {
    let [batch, bound, flags, sizes @ ..] = data else {
        return;
    };
    let chunk_count = usize::from(flags >> 1).min(sizes.len()).min(16);
    let (chunk_sizes, text) = sizes.split_at(chunk_count);
    let batch_size = usize::from(*batch % 8) + 1;
    let max_line = 64 + usize::from(*bound);
    let projected = flags & 1 == 1;
    let (pulled, pull_stats, pull_error) = pull(builder(batch_size, max_line, projected), text);
    let (pushed, push_stats, push_error) =
        push(builder(batch_size, max_line, projected), text, chunk_sizes);
    assert_eq!(push_error, pull_error);
    if pull_error.is_none() {
        assert_eq!(push_stats, pull_stats);
        assert_eq!(pushed.len(), pulled.len());
        for (a, b) in pushed.iter().zip(&pulled) {
            assert_eq!(a.as_record_batch(), b.as_record_batch());
        }
    }
});
