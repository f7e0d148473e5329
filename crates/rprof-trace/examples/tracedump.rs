//! Developer tool: `cargo run -p rprof-trace --example tracedump -- wire|parsed TRACE`
//! prints what `go tool trace -d=wire|parsed TRACE` prints.

use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: tracedump wire|parsed|count|text2wire|seed2wire FILE");
        std::process::exit(2);
    }
    let f = match std::fs::File::open(&args[2]) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{}: {e}", args[2]);
            std::process::exit(1);
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let res = match args[1].as_str() {
        "wire" => rprof_trace::dump_wire(f, &mut out),
        "parsed" => rprof_trace::dump_parsed(f, &mut out),
        "count" => {
            // Read every event without printing: the reader's own speed.
            let t0 = std::time::Instant::now();
            let mut n = 0u64;
            let res = rprof_trace::Reader::new(std::io::BufReader::new(f)).and_then(|mut r| {
                while r.next_event()?.is_some() {
                    n += 1;
                }
                Ok(())
            });
            let _ = writeln!(out, "{n} events in {:?}", t0.elapsed());
            res
        }
        "seed2wire" => {
            // A `go test fuzz v1` corpus file holding one []byte literal.
            use std::io::Read as _;
            let mut text = String::new();
            let mut f = f;
            let _ = f.read_to_string(&mut text);
            let lit = text
                .lines()
                .nth(1)
                .and_then(|l| l.strip_prefix("[]byte("))
                .and_then(|l| l.strip_suffix(')'))
                .and_then(rprof_trace::quote::unquote);
            match lit {
                Some(b) => out.write_all(&b).map_err(rprof_trace::Error::Write),
                None => {
                    eprintln!("not a fuzz corpus file");
                    std::process::exit(1);
                }
            }
        }
        "text2wire" => {
            // A txtar .test file (or plain text form) to the binary trace.
            use std::io::Read as _;
            let mut text = String::new();
            let mut f = f;
            if let Err(e) = f.read_to_string(&mut text) {
                eprintln!("{e}");
                std::process::exit(1);
            }
            let body = match text.find("-- trace --\n") {
                Some(i) => &text[i + "-- trace --\n".len()..],
                None => &text[..],
            };
            rprof_trace::text::text_to_wire(body)
                .and_then(|b| out.write_all(&b).map_err(rprof_trace::Error::Write))
        }
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    };
    let _ = out.flush();
    if let Err(e) = res {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
