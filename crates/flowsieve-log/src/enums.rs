//! The closed value sets of flow-log fields — `action`, `log-status`, `flow-direction` and
//! `type` — as typed enums ([`Action`], [`LogStatus`], [`FlowDirection`], [`TrafficKind`]) with
//! their AWS spellings, and [`EnumArray`], a typed view of such a column of a
//! [`crate::FlowRecordBatch`].
//!
//! The spellings here are the single source of truth: the line parser, the column builders and
//! the Arrow conformer all take them from these enums. This module knows nothing about parsing
//! or I/O.

use std::fmt;

use arrow_array::types::Int32Type;
use arrow_array::{Array, DictionaryArray};
use arrow_buffer::NullBuffer;

use crate::field::FlowField;

mod sealed {
    pub trait Sealed {}
}

/// A closed set of values of one flow-log field. Implemented by [`Action`], [`LogStatus`],
/// [`FlowDirection`] and [`TrafficKind`] only.
///
/// In flowsieve's batches such a column is `Dictionary(Int32, Utf8)` whose dictionary is
/// [`Self::NAMES`] and whose key is the value's index in [`Self::ALL`].
pub trait FlowEnum:
    Copy + Eq + Ord + std::hash::Hash + fmt::Debug + fmt::Display + sealed::Sealed + 'static
{
    /// The field whose values these are.
    const FIELD: FlowField;
    /// Every value, in key order.
    const ALL: &'static [Self];
    /// The AWS spelling of every value, in key order.
    const NAMES: &'static [&'static str];

    /// The value's AWS spelling (`ACCEPT`, `NODATA`, `ingress`, `IPv6`).
    fn name(self) -> &'static str;

    /// The value spelled exactly `name` (AWS's spelling, case included), if any.
    fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// The value's dictionary key in flowsieve's batches (its index in [`Self::ALL`]).
    fn key(self) -> i32;
}

macro_rules! flow_enums {
    ($(
        $(#[$doc:meta])*
        $name:ident for $field:ident {
            $( $(#[$vdoc:meta])* $variant:ident = $spelling:literal, )*
        }
    )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
        }

        impl sealed::Sealed for $name {}

        impl FlowEnum for $name {
            const FIELD: FlowField = FlowField::$field;
            const ALL: &'static [Self] = &[$( $name::$variant, )*];
            const NAMES: &'static [&'static str] = &[$( $spelling, )*];

            fn name(self) -> &'static str {
                match self { $( $name::$variant => $spelling, )* }
            }

            fn key(self) -> i32 {
                self as i32
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    )*};
}

flow_enums! {
    /// What happened to the traffic (`action`).
    Action for Action {
        /// `ACCEPT`: the traffic was allowed.
        Accept = "ACCEPT",
        /// `REJECT`: refused by a security group or network ACL, a packet after the connection
        /// closed, or (version 8) VPC Block Public Access.
        Reject = "REJECT",
    }

    /// Whether the record holds data (`log-status`).
    LogStatus for LogStatus {
        /// `OK`: a record of traffic.
        Ok = "OK",
        /// `NODATA`: the interface had no traffic in the interval.
        NoData = "NODATA",
        /// `SKIPDATA`: records of the interval were dropped by AWS.
        SkipData = "SKIPDATA",
    }

    /// The direction of the traffic relative to the recording interface (`flow-direction`,
    /// version 5).
    FlowDirection for FlowDirection {
        /// `ingress`: towards the interface.
        Ingress = "ingress",
        /// `egress`: from the interface.
        Egress = "egress",
    }

    /// The kind of traffic of a record (the `type` field, version 3). Not a flow log's
    /// *traffic type* (ACCEPT / REJECT / ALL: which records it captures).
    TrafficKind for Type {
        /// `IPv4`.
        Ipv4 = "IPv4",
        /// `IPv6`.
        Ipv6 = "IPv6",
        /// `EFA`: Elastic Fabric Adapter traffic.
        Efa = "EFA",
    }
}

/// A closed-enum column of a [`crate::FlowRecordBatch`], read as `T`: the dictionary is
/// resolved once, then each row is a key lookup.
///
/// ```
/// use flowsieve_log::{Action, LogStatus, ReaderBuilder};
///
/// let text = "2 123456789010 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 60 1418530010 1418530070 REJECT OK\n\
///             2 123456789010 eni-1 - - - - - - - 1418530010 1418530070 - NODATA\n";
/// let batch = ReaderBuilder::new().build(text.as_bytes())?.next().unwrap()?;
/// let actions = batch.actions().expect("an action column");
/// assert_eq!(actions.get(0), Some(Action::Reject));
/// assert_eq!(actions.get(1), None); // `-`
/// let statuses = batch.log_statuses().expect("a log-status column");
/// assert_eq!(statuses.iter().collect::<Vec<_>>(), [Some(LogStatus::Ok), Some(LogStatus::NoData)]);
/// # Ok::<(), flowsieve_log::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EnumArray<'a, T> {
    array: &'a DictionaryArray<Int32Type>,
    keys: &'a [i32],
    nulls: Option<&'a NullBuffer>,
    /// The value of each dictionary entry (`None` for a string that is not one of `T`'s).
    table: Vec<Option<T>>,
}

impl<'a, T: FlowEnum> EnumArray<'a, T> {
    /// A typed view of `array`; `None` when its dictionary values are not strings.
    pub(crate) fn new(array: &'a DictionaryArray<Int32Type>) -> Option<Self> {
        let values = array
            .values()
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()?;
        let table = (0..values.len())
            .map(|i| {
                if values.is_null(i) {
                    None
                } else {
                    T::from_name(values.value(i))
                }
            })
            .collect();
        Some(EnumArray {
            array,
            keys: array.keys().values(),
            nulls: array.keys().nulls(),
            table,
        })
    }

    /// The value of row `row`: `None` when it is null (`-`), out of range, or not one of `T`'s
    /// spellings (which a [`crate::FlowRecordBatch`] never holds).
    #[inline]
    pub fn get(&self, row: usize) -> Option<T> {
        if self.nulls.is_some_and(|n| n.is_null(row)) {
            return None;
        }
        let key = usize::try_from(*self.keys.get(row)?).ok()?;
        self.table.get(key).copied().flatten()
    }

    /// Whether row `row` is null (`-` in the text).
    #[inline]
    pub fn is_null(&self, row: usize) -> bool {
        self.nulls.is_some_and(|n| n.is_null(row))
    }

    /// Every row's value, in order.
    pub fn iter(&self) -> impl Iterator<Item = Option<T>> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The underlying Arrow array.
    pub fn as_array(&self) -> &'a DictionaryArray<Int32Type> {
        self.array
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: FlowEnum>() {
        assert_eq!(T::ALL.len(), T::NAMES.len());
        for (i, value) in T::ALL.iter().enumerate() {
            assert_eq!(value.key(), i as i32);
            assert_eq!(value.name(), T::NAMES[i]);
            assert_eq!(T::from_name(value.name()), Some(*value));
            assert_eq!(value.to_string(), value.name());
        }
        assert_eq!(T::from_name("-"), None);
        assert_eq!(T::from_name(""), None);
    }

    #[test]
    fn spellings_keys_and_names_agree() {
        check::<Action>();
        check::<LogStatus>();
        check::<FlowDirection>();
        check::<TrafficKind>();
        assert_eq!(Action::FIELD, FlowField::Action);
        assert_eq!(TrafficKind::FIELD, FlowField::Type);
        // Spellings are exact, case included.
        assert_eq!(LogStatus::from_name("ok"), None);
        assert_eq!(Action::from_name("accept"), None);
        assert_eq!(TrafficKind::from_name("ipv4"), None);
    }

    #[test]
    fn a_view_resolves_any_dictionary_order_and_foreign_strings() {
        let keys = arrow_array::Int32Array::from(vec![Some(2), None, Some(0), Some(1)]);
        let values = arrow_array::StringArray::from(vec!["egress", "EGRESS", "ingress"]);
        let array = DictionaryArray::try_new(keys, std::sync::Arc::new(values)).unwrap();
        let view = EnumArray::<FlowDirection>::new(&array).unwrap();
        assert_eq!(
            view.iter().collect::<Vec<_>>(),
            [
                Some(FlowDirection::Ingress),
                None,
                Some(FlowDirection::Egress),
                None
            ]
        );
        assert!(view.is_null(1));
        assert!(!view.is_null(3));
        assert_eq!(view.len(), 4);
    }
}
