//! SQL functions for profile queries, over `stacks.frames` (leaf first):
//!
//! * `leaf_function(frames)`: the function of the innermost frame (where
//!   the time or memory was spent, what `top` calls flat);
//! * `stack_contains(frames, 'regexp')`: whether any frame's function
//!   matches (what pprof's `-focus` keeps);
//! * `stack_text(frames)`: the stack as one string, root first, frames
//!   separated by `;` (the folded-stacks form of flame graphs).
//!
//! The regexp is Rust's `regex` syntax (RE2-like, as Go's `regexp`), not
//! anchored, compiled once per distinct pattern.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, ListArray, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

/// Every function of this module, for registering on a session (and on
/// Ballista executors).
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::new_from_impl(LeafFunction::new()),
        ScalarUDF::new_from_impl(StackContains::new()),
        ScalarUDF::new_from_impl(StackText::new()),
    ]
}

/// The `function` child of a `frames` list (a list of frame structs).
fn frame_functions(list: &ListArray) -> Result<&StringArray> {
    let Some(structs) = list.values().as_struct_opt() else {
        return exec_err!("expected a list of frames (stacks.frames)");
    };
    let Some(f) = structs.column_by_name("function") else {
        return exec_err!("expected a list of frames with a function field (stacks.frames)");
    };
    f.as_string_opt::<i32>()
        .ok_or_else(|| DataFusionError::Execution("frame.function is not a string".into()))
}

fn check_frames(t: &DataType, name: &str) -> Result<()> {
    match t {
        DataType::List(f) if matches!(f.data_type(), DataType::Struct(_)) => Ok(()),
        DataType::Null => Ok(()),
        other => plan_err!("{name}: expected stacks.frames (a list of frames), got {other}"),
    }
}

fn as_list(v: &ArrayRef, name: &str) -> Result<ListArray> {
    v.as_list_opt::<i32>()
        .cloned()
        .ok_or_else(|| DataFusionError::Execution(format!("{name}: expected stacks.frames")))
}

/// `leaf_function(frames)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct LeafFunction {
    signature: Signature,
}

impl LeafFunction {
    fn new() -> Self {
        LeafFunction {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for LeafFunction {
    fn name(&self) -> &str {
        "leaf_function"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        check_frames(&args[0], self.name())?;
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let list = as_list(&arrays[0], self.name())?;
        let functions = frame_functions(&list)?;
        let mut out = StringBuilder::with_capacity(list.len(), list.len() * 16);
        for i in 0..list.len() {
            let start = list.value_offsets()[i] as usize;
            let end = list.value_offsets()[i + 1] as usize;
            if list.is_null(i) || start == end || functions.is_null(start) {
                out.append_null();
            } else {
                out.append_value(functions.value(start));
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// `stack_contains(frames, 'regexp')`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct StackContains {
    signature: Signature,
}

impl StackContains {
    fn new() -> Self {
        StackContains {
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for StackContains {
    fn name(&self) -> &str {
        "stack_contains"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        check_frames(&args[0], self.name())?;
        if !matches!(
            args[1],
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            return plan_err!(
                "stack_contains: the pattern must be a string, got {}",
                args[1]
            );
        }
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let pattern = match &args.args[1] {
            ColumnarValue::Scalar(
                ScalarValue::Utf8(Some(s))
                | ScalarValue::LargeUtf8(Some(s))
                | ScalarValue::Utf8View(Some(s)),
            ) => s.clone(),
            _ => return exec_err!("stack_contains: the pattern must be a constant string"),
        };
        let re = regex::Regex::new(&pattern).map_err(|e| {
            DataFusionError::Execution(format!("stack_contains: bad regexp {pattern:?}: {e}"))
        })?;
        let frames = args.args[0].to_array(args.number_rows)?;
        let list = as_list(&frames, self.name())?;
        let functions = frame_functions(&list)?;
        // Match each distinct name once per batch: stacks share frames.
        let mut cache: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
        let mut out = BooleanBuilder::with_capacity(list.len());
        for i in 0..list.len() {
            if list.is_null(i) {
                out.append_null();
                continue;
            }
            let start = list.value_offsets()[i] as usize;
            let end = list.value_offsets()[i + 1] as usize;
            let hit = (start..end).any(|j| {
                !functions.is_null(j) && {
                    let name = functions.value(j);
                    *cache.entry(name).or_insert_with(|| re.is_match(name))
                }
            });
            out.append_value(hit);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// `stack_text(frames)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct StackText {
    signature: Signature,
}

impl StackText {
    fn new() -> Self {
        StackText {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for StackText {
    fn name(&self) -> &str {
        "stack_text"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        check_frames(&args[0], self.name())?;
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let list = as_list(&arrays[0], self.name())?;
        let functions = frame_functions(&list)?;
        let mut out = StringBuilder::new();
        let mut s = String::new();
        for i in 0..list.len() {
            if list.is_null(i) {
                out.append_null();
                continue;
            }
            let start = list.value_offsets()[i] as usize;
            let end = list.value_offsets()[i + 1] as usize;
            s.clear();
            for j in (start..end).rev() {
                if !s.is_empty() {
                    s.push(';');
                }
                s.push_str(if functions.is_null(j) {
                    "?"
                } else {
                    functions.value(j)
                });
            }
            out.append_value(&s);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
