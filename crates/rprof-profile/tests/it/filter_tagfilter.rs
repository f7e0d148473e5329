//! `-tagfocus` / `-tagignore`: the value syntax (numeric ranges with units,
//! `key=`, comma-separated regular expressions) and the sample filter.

use rprof_profile::tagfilter::{TagFilter, TagFilterError, filter_samples_by_tag};
use rprof_profile::{Label, Line, Profile, ProfileBuilder};
use std::collections::HashMap;

/// One sample per label set, value = sample number + 1:
///
/// | sample | labels                                  |
/// |--------|-----------------------------------------|
/// | 0      | bytes=1024                              |
/// | 1      | bytes=16384                             |
/// | 2      | bytes=65536                             |
/// | 3      | bytes=4194304 (4MB)                     |
/// | 4      | tier=gold, endpoint=/api/a              |
/// | 5      | tier=free, endpoint=/api/b              |
/// | 6      | tier=gold, endpoint=/api/b, delay=2ms   |
/// | 7      | (none)                                  |
/// | 8      | bytes=1024, bytes=65536 (two values)    |
fn labelled() -> Profile {
    let mut b = ProfileBuilder::new();
    b.add_sample_type("space", "bytes");
    let f = b.function("f", "", "", 0);
    let l = b.location(
        None,
        1,
        &[Line {
            function: f,
            line: 1,
            column: 0,
        }],
        false,
    );
    let (bytes, delay) = (b.intern("bytes"), b.intern("delay"));
    let (unit_b, unit_ns) = (b.intern("bytes"), b.intern("nanoseconds"));
    let num = |key, num, num_unit| Label {
        key,
        str: 0,
        num,
        num_unit,
    };
    let mut s = |k: &str, v: &str| Label {
        key: b.intern(k),
        str: b.intern(v),
        num: 0,
        num_unit: 0,
    };
    let sets: Vec<Vec<Label>> = vec![
        vec![num(bytes, 1024, unit_b)],
        vec![num(bytes, 16384, unit_b)],
        vec![num(bytes, 65536, unit_b)],
        vec![num(bytes, 4 << 20, unit_b)],
        vec![s("tier", "gold"), s("endpoint", "/api/a")],
        vec![s("tier", "free"), s("endpoint", "/api/b")],
        vec![
            s("tier", "gold"),
            s("endpoint", "/api/b"),
            num(delay, 2_000_000, unit_ns),
        ],
        vec![],
        vec![num(bytes, 1024, unit_b), num(bytes, 65536, unit_b)],
    ];
    for (i, labels) in sets.iter().enumerate() {
        b.push_sample(&[l], &[i as i64 + 1], labels);
    }
    b.finish()
}

fn units() -> HashMap<String, String> {
    HashMap::from([
        ("bytes".to_string(), "bytes".to_string()),
        ("delay".to_string(), "nanoseconds".to_string()),
    ])
}

/// The samples (by number) a filter value matches, and the note.
fn matching(value: &str) -> (Vec<usize>, Option<String>) {
    let p = labelled();
    let (f, note) = TagFilter::parse(value, &units()).unwrap();
    let direct: Vec<usize> = (0..p.samples.len()).filter(|&i| f.matches(&p, i)).collect();
    // The whole-profile filter must agree with the per-sample test.
    let mut q = p.clone();
    filter_samples_by_tag(&mut q, Some(&f), None);
    let kept: Vec<usize> = (0..q.samples.len())
        .map(|i| q.samples.value(i, 0) as usize - 1)
        .collect();
    assert_eq!(
        kept, direct,
        "filter_samples_by_tag vs matches for {value:?}"
    );
    (direct, note)
}

fn range_note(v: &str) -> Option<String> {
    Some(format!("Interpreted '{v}' as range, not regexp"))
}

#[test]
fn numeric_ranges_table() {
    let cases: &[(&str, &[usize], bool)] = &[
        // value, matching samples, is a range
        ("16kb", &[1], true),
        ("16384b", &[1], true),
        ("16384B", &[1], true),
        (":16kb", &[0, 1, 8], true),
        ("16kb:", &[1, 2, 3, 8], true),
        ("1kb:64kb", &[0, 1, 2, 8], true),
        ("2kb:63kb", &[1], true),
        ("4mb", &[3], true),
        ("4MB", &[3], true),
        ("4mb:", &[3], true),
        ("bytes=64kb", &[2, 8], true),
        ("bytes=:1kb", &[0, 8], true),
        ("delay=64kb", &[], true),
        // A number without a unit is in "no unit": bytes never match it.
        ("1024", &[], true),
        ("+1024", &[], true),
        // Time ranges match the time label only.
        ("1ms:", &[6], true),
        ("2ms", &[6], true),
        ("delay=1ms:3ms", &[6], true),
        ("2000us", &[6], true),
        ("1s:", &[], true),
        // Keyed ranges look only at that key.
        ("bytes=1ms:", &[], true),
    ];
    for &(value, want, is_range) in cases {
        let (got, note) = matching(value);
        assert_eq!(got, want, "tagfocus={value}");
        let v = value.split_once('=').map_or(value, |(_, v)| v);
        assert_eq!(note.is_some(), is_range, "note for {value}");
        if is_range {
            assert_eq!(note, range_note(v));
        }
    }
}

#[test]
fn things_that_look_numeric_but_are_regexps() {
    for value in ["1kb:2ms", "1kb-2kb", "kb16", "16kb::", "1:2:3", "a1kb"] {
        let (f, note) = TagFilter::parse(value, &units()).unwrap();
        assert!(!f.is_range(), "{value} is not a range");
        assert_eq!(note, None, "{value}");
    }
    // Units of two families make a regexp, too.
    let (f, _) = TagFilter::parse("1mb:2ms", &units()).unwrap();
    assert!(!f.is_range());
}

#[test]
fn string_labels_without_key_must_all_match_key_colon_value() {
    assert_eq!(matching("gold").0, vec![4, 6]);
    assert_eq!(matching("tier:gold").0, vec![4, 6]);
    // AND: both expressions must match some label.
    assert_eq!(matching("gold,/api/b").0, vec![6]);
    assert_eq!(matching("gold,nosuch").0, Vec::<usize>::new());
    // Keys are part of the matched text.
    assert_eq!(matching("^endpoint:").0, vec![4, 5, 6]);
    // Numeric labels are not matched by regexps.
    assert_eq!(matching("bytes").0, Vec::<usize>::new());
}

#[test]
fn string_labels_with_key_match_any_expression_on_its_values() {
    // OR with a key.
    assert_eq!(matching("endpoint=/api/a,/api/b").0, vec![4, 5, 6]);
    assert_eq!(matching("tier=gold").0, vec![4, 6]);
    // The key is not part of the matched text.
    assert_eq!(matching("tier=tier").0, Vec::<usize>::new());
    assert_eq!(matching("tier=^gold$").0, vec![4, 6]);
    assert_eq!(matching("nosuchkey=gold").0, Vec::<usize>::new());
    // `=value` has an empty key: no key.
    assert_eq!(matching("=gold").0, vec![4, 6]);
}

#[test]
fn focus_and_ignore_together_and_their_flags() {
    let p0 = labelled();
    let (focus, _) = TagFilter::parse("tier=gold", &units()).unwrap();
    let (ignore, _) = TagFilter::parse("/api/b", &units()).unwrap();
    let mut p = p0.clone();
    assert_eq!(
        filter_samples_by_tag(&mut p, Some(&focus), Some(&ignore)),
        (true, true)
    );
    assert_eq!(p.samples.values, vec![5]);
    // Labels travel with their samples.
    let keys: Vec<&str> = p.samples.labels(0).iter().map(|l| p.str(l.key)).collect();
    assert_eq!(keys, vec!["tier", "endpoint"]);

    let (none, _) = TagFilter::parse("nosuch", &units()).unwrap();
    let mut p = p0.clone();
    assert_eq!(
        filter_samples_by_tag(&mut p, Some(&none), None),
        (false, false)
    );
    assert!(p.samples.is_empty());

    let mut p = p0.clone();
    assert_eq!(
        filter_samples_by_tag(&mut p, None, Some(&none)),
        (true, false)
    );
    assert_eq!(p.samples.len(), p0.samples.len());

    let (big, _) = TagFilter::parse("bytes=16kb:", &units()).unwrap();
    let mut p = p0.clone();
    assert_eq!(
        filter_samples_by_tag(&mut p, None, Some(&big)),
        (true, true)
    );
    assert_eq!(p.samples.values, vec![1, 5, 6, 7, 8]);
}

#[test]
fn units_come_from_the_label_key_map() {
    // With no unit known for `bytes`, its values are plain numbers.
    let empty = HashMap::new();
    let p = labelled();
    let (f, _) = TagFilter::parse("1024", &empty).unwrap();
    let got: Vec<usize> = (0..p.samples.len()).filter(|&i| f.matches(&p, i)).collect();
    assert_eq!(got, vec![0, 8]);
}

#[test]
fn malformed_values_are_errors_with_go_messages() {
    let err = TagFilter::parse("tier=(", &units()).unwrap_err();
    assert!(
        matches!(&err, TagFilterError::Regexp { pattern, error }
            if pattern == "(" && error.code == rprof_profile::GoRegexCode::MissingParen),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "error parsing regexp: missing closing ): `(`"
    );
    let err = TagFilter::parse("gold,*x", &units()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "error parsing regexp: missing argument to repetition operator: `*`"
    );
    let err = TagFilter::parse("99999999999999999999kb", &units()).unwrap_err();
    assert!(matches!(err, TagFilterError::Number { .. }));
    assert_eq!(
        err.to_string(),
        "failed to parse int 99999999999999999999: strconv.ParseInt: parsing \"99999999999999999999\": value out of range"
    );
}

#[test]
fn many_regexps_fall_back_to_per_sample_matching() {
    // More expressions than the bit set holds: same results.
    let mut v = vec!["gold"; 70];
    v.push("/api/b");
    let value = v.join(",");
    assert_eq!(matching(&value).0, vec![6]);
}
