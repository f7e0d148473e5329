//! Filter patterns: Go (RE2) syntax with Go's meaning, Go's error
//! messages, and rprof's literal fallback for patterns that are not valid
//! regular expressions (`(*conn).writeString`).

use rprof_profile::compile_go_regex;
use rprof_profile::filter::compile_pattern;

fn matches(pattern: &str, text: &str) -> bool {
    compile_go_regex(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .is_match(text)
}

#[test]
fn invalid_pattern_is_matched_as_literal_text_with_a_note() {
    let (re, note) = compile_pattern("(*conn).writeString");
    let note = note.expect("a note");
    assert_eq!(note.pattern, "(*conn).writeString");
    assert_eq!(
        note.reason.to_string(),
        "error parsing regexp: missing argument to repetition operator: `*`"
    );
    assert!(re.is_match("net/http.(*conn).writeString"));
    // Literal: the dot is a dot, the parentheses are parentheses.
    assert!(!re.is_match("net/http.(*conn)xwriteString"));
    assert!(!re.is_match("net/http.conn.writeString"));

    let (re, note) = compile_pattern("(");
    assert_eq!(
        note.map(|n| n.reason.reason()).as_deref(),
        Some("missing closing ): `(`")
    );
    assert!(re.is_match("f("));
}

#[test]
fn valid_pattern_is_a_regular_expression_without_note() {
    let (re, note) = compile_pattern(r"\(\*conn\)\.write");
    assert_eq!(note, None);
    assert!(re.is_match("net.(*conn).writeString"));
    let (re, note) = compile_pattern("sort|hash");
    assert_eq!(note, None);
    assert!(re.is_match("main.hashLoop"));
    assert!(!re.is_match("main.main"));
}

#[test]
fn go_errors_are_reported_as_go_reports_them() {
    let cases = [
        ("(", "missing closing ): `(`"),
        ("foo(bar", "missing closing ): `foo(bar`"),
        ("a)b", "unexpected ): `a)b`"),
        ("[a", "missing closing ]: `[a`"),
        ("[]", "missing closing ]: `[]`"),
        (r"\e", r"invalid escape sequence: `\e`"),
        (r"\1", r"invalid escape sequence: `\1`"),
        ("a\\", "trailing backslash at end of expression: ``"),
        ("[z-a]", "invalid character class range: `z-a`"),
        ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
        ("a**", "invalid nested repetition operator: `**`"),
        ("x{2}*", "invalid nested repetition operator: `{2}*`"),
        ("x{1001}", "invalid repeat count: `{1001}`"),
        ("a{2,1}", "invalid repeat count: `{2,1}`"),
        ("*", "missing argument to repetition operator: `*`"),
        ("a|+", "missing argument to repetition operator: `+`"),
        ("(?z)", "invalid or unsupported Perl syntax: `(?z`"),
        ("(?x) a", "invalid or unsupported Perl syntax: `(?x`"),
        ("(?=x)", "invalid or unsupported Perl syntax: `(?=`"),
        ("(?P<a b>x)", "invalid named capture: `(?P<a b>`"),
    ];
    for (pattern, want) in cases {
        let got = compile_go_regex(pattern).err().map(|e| e.to_string());
        assert_eq!(
            got.as_deref(),
            Some(format!("error parsing regexp: {want}").as_str()),
            "{pattern}"
        );
    }
}

#[test]
fn go_syntax_that_the_regex_crate_reads_differently() {
    // \Q…\E quotes.
    assert!(matches(r"\Q(*mheap).alloc\E", "runtime.(*mheap).alloc"));
    assert!(!matches(r"\Q(*mheap).alloc\E", "runtime.mheap.alloc"));
    // \< and \> are the characters, not word boundaries.
    assert!(matches(r"vector\<int\>", "std::vector<int>::push_back"));
    // A brace that starts no repetition is a literal.
    assert!(matches("struct {", "go.shape.struct { X int }"));
    assert!(matches("a{,5}", "a{,5}"));
    assert!(matches("a{", "a{"));
    assert!(matches("x}", "x}"));
    // Inside a class, `[` is a character, && is not an intersection.
    assert!(matches("[[]", "go.shape.[]int"));
    assert!(matches("^[a&&b]$", "&"));
    assert!(matches("^[+--]$", ","));
    // Perl classes and word boundaries are ASCII.
    assert!(!matches(r"^\d$", "٣"));
    assert!(!matches(r"^\w$", "é"));
    assert!(matches(r"\bmain\b", "main.main"));
    assert!(!matches(r"\bain", "main"));
    // Named groups may start with a digit; an empty flag group is nothing.
    assert!(matches("(?P<1a>x)", "x"));
    assert!(matches("a(?)b", "ab"));
    // Repetitions that are valid.
    assert!(matches("^a{2,}?$", "aaa"));
    assert!(matches(
        r"go\.shape\.\[\]int",
        "slices.Sort[go.shape.[]int,go.shape.int]"
    ));
    // Octal escapes.
    assert!(matches(r"\101", "A"));
    assert!(matches(r"\p{Greek}", "αβγ"));
    assert!(matches(r"[\p{L}\d]", "é"));
}
