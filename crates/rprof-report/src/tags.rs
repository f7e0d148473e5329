//! `tags`: pprof's `-tags` report (`printTags` in pprof's report package).
//!
//! For every label key, in name order: how much of the sample value carries
//! the key (against the report total), then every value of the key, heaviest
//! first, numeric values formatted in the report's unit. The sample value is
//! the raw value of the shown sample type (`--mean` is not applied to it,
//! only to the total, as in pprof). The columns are aligned to the right the
//! way Go's `text/tabwriter` aligns them, one block per key.

use crate::Report;
use rprof_profile::filter::{LabelKind, label_kind};
use rprof_profile::measurement;
use std::collections::HashMap;

/// Writes the `tags` report.
pub fn write_tags(r: &Report, out: &mut String) {
    let p = r.profile();
    let s = &p.samples;
    let units = p.num_label_units();
    // First by string ids and raw numbers (cheap per label), then by text:
    // key -> value text -> summed sample value; key -> total.
    let mut by_id: HashMap<(u32, bool, i64), i64> = HashMap::new();
    for i in 0..s.len() {
        let labels = s.labels(i);
        if labels.is_empty() {
            continue;
        }
        let v = s.value(i, r.sample_index());
        for l in labels {
            let id = match label_kind(l) {
                LabelKind::Str => (l.key, true, i64::from(l.str)),
                LabelKind::Num => (l.key, false, l.num),
                LabelKind::None => continue,
            };
            *by_id.entry(id).or_default() += v;
        }
    }
    let mut tag_map: HashMap<&str, HashMap<String, i64>> = HashMap::new();
    let mut tag_total: HashMap<&str, i64> = HashMap::new();
    for (&(key_id, is_str, x), &v) in &by_id {
        let key = p.str(key_id);
        let text = if is_str {
            p.str(x as u32).to_string()
        } else {
            let unit = units.get(key).map_or("", String::as_str);
            measurement::scaled_label(x, unit, r.output_unit())
        };
        *tag_map.entry(key).or_default().entry(text).or_default() += v;
        *tag_total.entry(key).or_default() += v;
    }

    let mut keys: Vec<&str> = tag_map.keys().copied().collect();
    keys.sort_unstable();
    let total = r.total();
    let mut text = String::new();
    for key in keys {
        let mut tags: Vec<(&str, i64)> =
            tag_map[key].iter().map(|(t, &c)| (t.as_str(), c)).collect();
        tags.sort_by(|a, b| b.1.abs().cmp(&a.1.abs()).then_with(|| a.0.cmp(b.0)));
        let key_total = tag_total[key];
        if total > 0 {
            text.push_str(&format!(
                "{key}:\t Total {} of {} ({})\n",
                r.format_value(key_total),
                r.format_value(total),
                measurement::percentage(key_total, total)
            ));
        } else {
            text.push_str(&format!(
                "{key}:\t Total {} of {}\n",
                r.format_value(key_total),
                r.format_value(total)
            ));
        }
        for (name, v) in tags {
            if total > 0 {
                text.push_str(&format!(
                    " \t{} ({}):\t {name}\n",
                    r.format_value(v),
                    measurement::percentage(v, total)
                ));
            } else {
                text.push_str(&format!(" \t{}:\t {name}\n", r.format_value(v)));
            }
        }
        text.push('\n');
    }
    out.push_str(&tabwrite_right(&text));
}

/// Go's `tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)` over
/// `text`: tab-terminated cells are right-aligned in columns as wide as
/// their widest cell plus one; a column runs over consecutive lines that
/// have a cell in it, and a line with no tab ends every column (Go flushes
/// there). Widths count characters.
pub fn tabwrite_right(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut block: Vec<Vec<&str>> = Vec::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let cells: Vec<&str> = line.split('\t').collect();
        let single = cells.len() == 1;
        block.push(cells);
        if last {
            format_block(&block, &mut out, true);
            block.clear();
        } else if single {
            format_block(&block, &mut out, false);
            block.clear();
        }
    }
    out
}

/// Formats buffered lines (Go's `format` + `writeLines`); every line but
/// the unterminated last one of the input ends with a newline.
fn format_block(lines: &[Vec<&str>], out: &mut String, ends_input: bool) {
    let mut widths: Vec<usize> = Vec::new();
    format_columns(lines, 0, lines.len(), &mut widths, out, ends_input);
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn format_columns(
    lines: &[Vec<&str>],
    line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    out: &mut String,
    ends_input: bool,
) {
    let column = widths.len();
    let mut line0 = line0;
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out, ends_input);
        line0 = this;
        let mut w = 0;
        while this < line1 && column + 1 < lines[this].len() {
            w = w.max(width(lines[this][column]) + 1);
            this += 1;
        }
        widths.push(w);
        format_columns(lines, line0, this, widths, out, ends_input);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out, ends_input);
}

fn write_lines(
    lines: &[Vec<&str>],
    line0: usize,
    line1: usize,
    widths: &[usize],
    out: &mut String,
    ends_input: bool,
) {
    for (i, line) in lines.iter().enumerate().take(line1).skip(line0) {
        for (j, cell) in line.iter().enumerate() {
            if j < widths.len() {
                let pad = widths[j].saturating_sub(width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
            out.push_str(cell);
        }
        if !(ends_input && i + 1 == lines.len()) {
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportOptions;
    use rprof_profile::{Label, Line, Mapping, Profile, ProfileBuilder};

    /// A small heap-like profile with string labels, numeric labels with
    /// and without units, a key carrying both kinds, non-ASCII values and
    /// an unlabelled sample.
    fn tagged_profile() -> Profile {
        let mut b = ProfileBuilder::new();
        b.add_sample_type("alloc_objects", "count");
        b.add_sample_type("alloc_space", "bytes");
        let m = b.mapping(Mapping {
            start: 0x1000,
            limit: 0x2000,
            ..Mapping::default()
        });
        let f = b.function("main.f", "", "main.go", 1);
        let l = b.location(
            Some(m),
            0x1010,
            &[Line {
                function: f,
                line: 2,
                column: 0,
            }],
            false,
        );
        let unit_bytes = b.intern("bytes");
        let mut s = |k: &str, v: &str| Label {
            key: b.intern(k),
            str: b.intern(v),
            num: 0,
            num_unit: 0,
        };
        let gold = s("tier", "gold");
        let free = s("tier", "free");
        let uni = s("tier", "grün");
        let mixed_s = s("mixed", "text");
        let n = |b: &mut ProfileBuilder, k: &str, num: i64, unit: u32| Label {
            key: b.intern(k),
            str: 0,
            num,
            num_unit: unit,
        };
        let bytes_1k = n(&mut b, "bytes", 1024, unit_bytes);
        let bytes_64k = n(&mut b, "bytes", 65536, unit_bytes);
        let request = n(&mut b, "request", 2048, 0);
        let count = n(&mut b, "count", 7, 0);
        let mixed_n = n(&mut b, "mixed", 3, 0);
        b.push_sample(&[l], &[1, 1 << 20], &[gold, bytes_64k, request]);
        b.push_sample(&[l], &[2, 3 << 20], &[free, bytes_1k, count, mixed_s]);
        b.push_sample(&[l], &[3, 5000], &[uni, bytes_1k, mixed_n]);
        b.push_sample(&[l], &[4, 123456], &[]);
        b.push_sample(&[l], &[5, 2 << 20], &[gold]);
        b.finish()
    }

    fn tags(p: &Profile, opts: &ReportOptions) -> String {
        let r = Report::new(p, opts).unwrap();
        let mut out = String::new();
        write_tags(&r, &mut out);
        out
    }

    // The expected texts are what `go tool pprof -tags` printed for this
    // profile (written with `rprof_profile::write`), checked by hand.

    #[test]
    fn tags_report_as_pprof_prints_it() {
        let want = " bytes: Total 4MB of 6.12MB (65.41%)
        3MB (49.08%): 1kB
        1MB (16.33%): 64kB

 count: Total 3MB of 6.12MB (49.00%)
        3MB (49.00%): 7

 mixed: Total 3MB of 6.12MB (49.08%)
           3MB (49.00%): text
        4.88kB (0.078%): 3

 request: Total 1MB of 6.12MB (16.33%)
          1MB (16.33%): 2kB

 tier: Total 6MB of 6.12MB (98.08%)
          3MB (49.00%): free
          3MB (49.00%): gold
       4.88kB (0.078%): grün

";
        assert_eq!(tags(&tagged_profile(), &ReportOptions::default()), want);
    }

    #[test]
    fn tags_report_in_another_sample_type_and_unit() {
        let opts = ReportOptions {
            sample_index: "alloc_objects".to_string(),
            ..ReportOptions::default()
        };
        let want = " bytes: Total 6 of 15 (40.00%)
        5 (33.33%): 1kB
        1 ( 6.67%): 64kB

 count: Total 2 of 15 (13.33%)
        2 (13.33%): 7

 mixed: Total 5 of 15 (33.33%)
        3 (20.00%): 3
        2 (13.33%): text

 request: Total 1 of 15 ( 6.67%)
          1 ( 6.67%): 2kB

 tier: Total 11 of 15 (73.33%)
       6 (40.00%): gold
       3 (20.00%): grün
       2 (13.33%): free

";
        assert_eq!(tags(&tagged_profile(), &opts), want);
        // A unit applies to the values and to numeric labels; a label
        // without a unit gets the unit's name as pprof does (`7kb`).
        let opts = ReportOptions {
            unit: "kb".to_string(),
            ..ReportOptions::default()
        };
        let want = " bytes: Total 4100.88kB of 6269.45kB (65.41%)
        3076.88kB (49.08%): 1kB
           1024kB (16.33%): 64kB

 count: Total 3072kB of 6269.45kB (49.00%)
        3072kB (49.00%): 7kb

 mixed: Total 3076.88kB of 6269.45kB (49.08%)
        3072kB (49.00%): text
        4.88kB (0.078%): 3kb

 request: Total 1024kB of 6269.45kB (16.33%)
          1024kB (16.33%): 2kB

 tier: Total 6148.88kB of 6269.45kB (98.08%)
       3072kB (49.00%): free
       3072kB (49.00%): gold
       4.88kB (0.078%): grün

";
        assert_eq!(tags(&tagged_profile(), &opts), want);
    }

    #[test]
    fn no_labels_no_output() {
        let mut p = tagged_profile();
        p.samples.labels.clear();
        p.samples.label_ends.clear();
        assert_eq!(tags(&p, &ReportOptions::default()), "");
    }

    #[test]
    fn tabwriter_aligns_right_per_block() {
        assert_eq!(
            tabwrite_right("a:\t x\n \tlong (1):\t y\n \t1:\t z\n\nkey:\t t\n"),
            " a: x\n    long (1): y\n           1: z\n\n key: t\n"
        );
        // Widths count characters, not bytes.
        assert_eq!(tabwrite_right("é\tx\nab\ty\n"), "  éx\n aby\n");
        assert_eq!(tabwrite_right("no tabs"), "no tabs");
        // A column runs over the lines that have a cell in it.
        assert_eq!(
            tabwrite_right("a\tb\tc\nxx\ty\n\tz\tw\n"),
            "  a bc\n xxy\n    zw\n"
        );
    }
}
