//! The command line both helper binaries of the archive benchmark take:
//! `[--threads T] --files-from LIST` (LIST: one flow-log object per line).

/// `(threads, files)` from the command line; prints the usage and exits 2 when it is wrong.
pub fn parse(name: &str) -> (usize, Vec<String>) {
    match try_parse() {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{name}: {msg}\nusage: {name} [--threads T] --files-from LIST");
            std::process::exit(2);
        }
    }
}

fn try_parse() -> Result<(usize, Vec<String>), String> {
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut list = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&t| t > 0)
                    .ok_or("--threads needs a positive number")?;
            }
            "--files-from" => list = Some(args.next().ok_or("--files-from needs a file")?),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    let list = list.ok_or("--files-from is required")?;
    let text = std::fs::read_to_string(&list).map_err(|e| format!("cannot read {list}: {e}"))?;
    Ok((
        threads,
        text.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    ))
}
