//! one-hub's `setting` object, of which keylint keeps the two restrictions under `limits`:
//! `limits_ip_setting = {enabled, whitelist: [..]}` and `limit_model_setting = {enabled,
//! models: [..]}` (one-hub `model/token.go`). Other members (`heartbeat`, `billing_tag`) are
//! ignored; a missing `limits`, switch or list reads as off and empty, as one-hub's Go structs
//! read it; a list of `null` is empty.
//!
//! The object is read tolerantly like every field: a member of the wrong JSON type makes the
//! whole field mistyped (KL001 names it), never the document invalid.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value;

use super::record::JsonType;

/// The `limits` of one-hub's `setting`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubSetting {
    /// `limits.limits_ip_setting`: `whitelist` is the list.
    pub ip: HubSwitch,
    /// `limits.limit_model_setting`: `models` is the list.
    pub model: HubSwitch,
}

/// One of one-hub's switched lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubSwitch {
    pub enabled: bool,
    /// The entries as stored: one-hub validates none of them.
    pub list: Vec<String>,
}

/// The JSON path of the IP restriction, as findings name it.
pub const IP_PATH: &str = "setting.limits.limits_ip_setting";
/// The JSON path of the model restriction, as findings name it.
pub const MODEL_PATH: &str = "setting.limits.limit_model_setting";

impl HubSetting {
    /// Reads a `setting` value: `Err` holds the JSON type found where another was expected.
    pub(super) fn from_json(value: &Value) -> Result<HubSetting, JsonType> {
        let object = value.as_object().ok_or_else(|| json_type(value))?;
        let Some(limits) = object.get("limits").filter(|v| !v.is_null()) else {
            return Ok(HubSetting::default());
        };
        let limits = limits.as_object().ok_or_else(|| json_type(limits))?;
        Ok(HubSetting {
            ip: HubSwitch::from_json(limits.get("limits_ip_setting"), "whitelist")?,
            model: HubSwitch::from_json(limits.get("limit_model_setting"), "models")?,
        })
    }
}

impl HubSwitch {
    fn from_json(value: Option<&Value>, list: &str) -> Result<HubSwitch, JsonType> {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Ok(HubSwitch::default());
        };
        let object = value.as_object().ok_or_else(|| json_type(value))?;
        let enabled = match object.get("enabled") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(json_type(other)),
        };
        let list = match object.get(list) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| json_type(item))
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(json_type(other)),
        };
        Ok(HubSwitch { enabled, list })
    }
}

/// The JSON type of a value.
fn json_type(value: &Value) -> JsonType {
    match value {
        Value::Null => JsonType::Null,
        Value::Bool(_) => JsonType::Boolean,
        Value::Number(n) if n.is_i64() => JsonType::Integer,
        Value::Number(n) if n.is_u64() => JsonType::IntegerOutOfRange,
        Value::Number(_) => JsonType::FractionalNumber,
        Value::String(_) => JsonType::String,
        Value::Array(_) => JsonType::Array,
        Value::Object(_) => JsonType::Object,
    }
}

/// Written back as one-hub sends it, so a snapshot reads back as the same setting.
impl Serialize for HubSetting {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Switch<'a>(&'a HubSwitch, &'static str);
        impl Serialize for Switch<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("enabled", &self.0.enabled)?;
                map.serialize_entry(self.1, &self.0.list)?;
                map.end()
            }
        }
        struct Limits<'a>(&'a HubSetting);
        impl Serialize for Limits<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("limit_model_setting", &Switch(&self.0.model, "models"))?;
                map.serialize_entry("limits_ip_setting", &Switch(&self.0.ip, "whitelist"))?;
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("limits", &Limits(self))?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_limits_as_one_hub_does() {
        let value = json!({"heartbeat": {"enabled": false}, "limits": {
            "limit_model_setting": {"enabled": true, "models": null},
            "limits_ip_setting": {"enabled": true, "whitelist": ["1.2.3.4", "10.0.0.0/8"]}}});
        let setting = HubSetting::from_json(&value).unwrap();
        assert!(setting.model.enabled && setting.model.list.is_empty());
        assert_eq!(setting.ip.list, ["1.2.3.4", "10.0.0.0/8"]);
        assert_eq!(HubSetting::from_json(&json!({})), Ok(HubSetting::default()));
        let back = serde_json::to_value(&setting).unwrap();
        assert_eq!(HubSetting::from_json(&back), Ok(setting));
    }

    #[test]
    fn a_member_of_the_wrong_type_names_the_type_found() {
        let bad =
            json!({"limits": {"limits_ip_setting": {"enabled": true, "whitelist": "1.2.3.4"}}});
        assert_eq!(HubSetting::from_json(&bad), Err(JsonType::String));
        let bad = json!({"limits": {"limit_model_setting": {"enabled": 1}}});
        assert_eq!(HubSetting::from_json(&bad), Err(JsonType::Integer));
        assert_eq!(HubSetting::from_json(&json!([])), Err(JsonType::Array));
    }
}
