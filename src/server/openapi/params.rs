//! An RPC call's parameters as the SDKs flatten them: `Targets.1`, `Resources.1.ResourceId`, booleans
//! as Python writes them (`True`), numbers as text. Each refusal names the parameter with the real
//! API's code (`MissingParameter.X`, `InvalidParameter.X`, `InvalidParameter.X.Length`).

use super::ApiError;
use std::collections::BTreeMap;

/// At most this many entries in one list parameter (resources, targets, share ids), as the real API.
pub const MAX_LIST_ITEMS: usize = 5;

pub struct Params(pub BTreeMap<String, String>);

impl Params {
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    pub fn req(&self, name: &str) -> Result<&str, ApiError> {
        self.opt(name).ok_or_else(|| ApiError::missing(name))
    }

    /// A boolean in either case (`true`, `True`, `TRUE`); absent is `None`.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.opt(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid(name)),
        }
    }

    pub fn int(&self, name: &str, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, ApiError> {
        match self.opt(name) {
            None => Ok(None),
            Some(v) => {
                v.parse::<i64>().ok().filter(|n| range.contains(n)).map(Some).ok_or_else(|| ApiError::invalid(name))
            }
        }
    }

    /// `Name.1`, `Name.2`, … in order (or `Name.N.Field` when `field` is given): numbered from 1
    /// without gaps, at most `max`, none repeated.
    pub fn list(&self, name: &str, field: Option<&str>, max: usize) -> Result<Vec<String>, ApiError> {
        let values = self.numbered(name, field, max)?;
        let mut seen = std::collections::BTreeSet::new();
        if values.iter().any(|v| !seen.insert(v)) {
            return Err(ApiError::new(
                400,
                &format!("InvalidParameter.{name}.Duplicate"),
                format!("The {name} parameter contains duplicate values."),
            ));
        }
        Ok(values)
    }

    /// [`Params::list`] for a field that may repeat across entries (every `Resources.N.ResourceType`
    /// is the same type).
    pub fn numbered(&self, name: &str, field: Option<&str>, max: usize) -> Result<Vec<String>, ApiError> {
        let prefix = format!("{name}.");
        let mut numbered: BTreeMap<usize, String> = BTreeMap::new();
        for (key, value) in self.0.range(prefix.clone()..) {
            let Some(rest) = key.strip_prefix(&prefix) else { break };
            let (index, tail) = match rest.split_once('.') {
                Some((i, t)) => (i, Some(t)),
                None => (rest, None),
            };
            if tail != field {
                continue;
            }
            let index: usize = index.parse().ok().filter(|n| *n >= 1).ok_or_else(|| ApiError::invalid(name))?;
            numbered.insert(index, value.clone());
        }
        if numbered.len() > max {
            return Err(ApiError::new(
                400,
                &format!("InvalidParameter.{name}.Length"),
                format!("The maximum number of {name} exceeds {max}."),
            ));
        }
        if numbered.keys().enumerate().any(|(i, n)| *n != i + 1) {
            return Err(ApiError::invalid(name));
        }
        Ok(numbered.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn flattened_lists_are_read_in_their_numbered_order() {
        let p = params(&[("Targets.2", "b"), ("Targets.1", "a"), ("Targets.10", "j")]);
        assert_eq!(p.list("Targets", None, 20).unwrap_err().code, "InvalidParameter.Targets", "a gap between 2 and 10");
        let p = params(&[("Targets.2", "b"), ("Targets.1", "a"), ("TargetsX", "no")]);
        assert_eq!(p.list("Targets", None, 5).unwrap(), vec!["a", "b"]);
    }

    #[test]
    fn a_field_of_a_flattened_structure_is_read_by_name() {
        let p = params(&[
            ("Resources.1.ResourceId", "123"),
            ("Resources.1.ResourceType", "PolarDBBackupSet"),
            ("Resources.2.ResourceId", "456"),
        ]);
        assert_eq!(p.list("Resources", Some("ResourceId"), 5).unwrap(), vec!["123", "456"]);
        assert_eq!(p.list("Resources", Some("ResourceType"), 5).unwrap(), vec!["PolarDBBackupSet"]);
    }

    #[test]
    fn more_than_five_targets_are_refused_with_the_length_code() {
        let p = params(&[
            ("Targets.1", "a"),
            ("Targets.2", "b"),
            ("Targets.3", "c"),
            ("Targets.4", "d"),
            ("Targets.5", "e"),
            ("Targets.6", "f"),
        ]);
        let e = p.list("Targets", None, MAX_LIST_ITEMS).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "InvalidParameter.Targets.Length"));
    }

    #[test]
    fn a_target_given_twice_is_refused_as_duplicate() {
        let p = params(&[("Targets.1", "a"), ("Targets.2", "a")]);
        assert_eq!(p.list("Targets", None, 5).unwrap_err().code, "InvalidParameter.Targets.Duplicate");
    }

    #[test]
    fn the_same_resource_type_on_every_entry_is_not_a_duplicate() {
        let p = params(&[
            ("Resources.1.ResourceType", "PolarDBBackupSet"),
            ("Resources.2.ResourceType", "PolarDBBackupSet"),
        ]);
        assert_eq!(p.numbered("Resources", Some("ResourceType"), 5).unwrap().len(), 2);
        assert_eq!(
            p.list("Resources", Some("ResourceType"), 5).unwrap_err().code,
            "InvalidParameter.Resources.Duplicate"
        );
    }

    #[test]
    fn a_zero_index_is_refused() {
        assert_eq!(
            params(&[("Targets.0", "a")]).list("Targets", None, 5).unwrap_err().code,
            "InvalidParameter.Targets"
        );
    }

    #[test]
    fn booleans_are_read_in_either_case() {
        let p = params(&[("A", "True"), ("B", "false"), ("C", "TRUE"), ("D", "yes")]);
        assert_eq!(
            (p.bool("A").unwrap(), p.bool("B").unwrap(), p.bool("C").unwrap()),
            (Some(true), Some(false), Some(true))
        );
        assert_eq!(p.bool("Absent").unwrap(), None);
        assert_eq!(p.bool("D").unwrap_err().code, "InvalidParameter.D");
    }

    #[test]
    fn an_empty_value_counts_as_absent() {
        let p = params(&[("ResourceShareName", "")]);
        assert_eq!(p.req("ResourceShareName").unwrap_err().code, "MissingParameter.ResourceShareName");
    }

    #[test]
    fn numbers_outside_their_range_are_refused() {
        let p = params(&[("MaxResults", "101"), ("PageNumber", "x")]);
        assert_eq!(p.int("MaxResults", 1..=100).unwrap_err().code, "InvalidParameter.MaxResults");
        assert_eq!(p.int("PageNumber", 1..=1000).unwrap_err().code, "InvalidParameter.PageNumber");
    }
}
