//! The command line both helper binaries of the archive benchmark take:
//! `[--threads T] [--all-fields] --files-from LIST` (LIST: one flow-log object per line).

/// What the command line asks for.
pub struct Args {
    pub threads: usize,
    pub files: Vec<String>,
    /// Every field of each object's format instead of the analysis projection (parse-only).
    #[allow(dead_code)] // the gunzip floor reads no fields
    pub all_fields: bool,
}

/// The arguments; prints the usage and exits 2 when they are wrong.
pub fn parse(name: &str) -> Args {
    match try_parse() {
        Ok(args) => args,
        Err(msg) => {
            eprintln!(
                "{name}: {msg}\nusage: {name} [--threads T] [--all-fields] --files-from LIST"
            );
            std::process::exit(2);
        }
    }
}

fn try_parse() -> Result<Args, String> {
    let mut all_fields = false;
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
            "--all-fields" => all_fields = true,
            "--files-from" => list = Some(args.next().ok_or("--files-from needs a file")?),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    let list = list.ok_or("--files-from is required")?;
    let text = std::fs::read_to_string(&list).map_err(|e| format!("cannot read {list}: {e}"))?;
    Ok(Args {
        threads,
        files: text
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        all_fields,
    })
}
