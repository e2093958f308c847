//! The Rego form (regorus): data (organisation, calendar, parameters) loaded
//! once; per task the input is the crate's own JSON of the task and events,
//! with each event's civil date added.

use accountable::calendar::Calendar;
use accountable::model::{Organisation, ValidCase};
use accountable::policy::Policy;
use accountable::time::vn_date;
use chrono::NaiveDate;
use regorus::Value;
use serde_json::{Map, Value as Json, json};

use crate::common::{OrgIndex, Outcome};

pub const POLICY: &str = include_str!("../policies/accountable.rego");
pub const ENTRY: &str = "data.accountable.result";

/// The data document: organisation with its indexes, calendar tables, parameters.
pub fn data(org: &Organisation, cal: &Calendar, policy: &Policy, as_of: NaiveDate) -> Json {
    let ix = OrgIndex::new(org);
    let mut units = Map::new();
    for u in &org.units {
        let chain = ix.chain.get(u.id.as_str()).cloned().unwrap_or_default();
        units.insert(
            u.id.to_string(),
            json!({
                "kind": u.kind,
                "competence": u.competence,
                "ancestors": chain.get(1..).unwrap_or(&[]),
            }),
        );
    }
    let mut cum = Map::new();
    let mut work = Map::new();
    let mut nth = Vec::new();
    if let Some((first, last)) = cal.range() {
        let mut k = 0u32;
        let mut d = first;
        while d <= last {
            if cal.is_working_day(d).unwrap_or(false) {
                k += 1;
                nth.push(Json::String(d.to_string()));
                work.insert(d.to_string(), Json::Bool(true));
            }
            cum.insert(d.to_string(), json!(k));
            match d.succ_opt() {
                Some(x) => d = x,
                None => break,
            }
        }
    }
    let params: Map<String, Json> = policy
        .params()
        .iter()
        .filter_map(|p| p.value_at(as_of).map(|v| (p.name.clone(), json!(v))))
        .collect();
    json!({
        "units": units,
        "positions": org.positions,
        "pos_by_unit": ix.pos_by_unit,
        "pos_by_official": ix.pos_by_official,
        "params": params,
        "cal": {"cum": cum, "nth": nth, "work": work},
    })
}

/// The input document for one task.
pub fn input_json(case: &ValidCase, as_of: NaiveDate) -> Json {
    let mut task = serde_json::to_value(case.task()).unwrap_or(Json::Null);
    if let Json::Object(m) = &mut task {
        m.insert(
            "received_date".into(),
            Json::String(vn_date(&case.task().received).to_string()),
        );
    }
    let events: Vec<Json> = case
        .events()
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or(Json::Null);
            if let Json::Object(m) = &mut v {
                m.insert("date".into(), Json::String(vn_date(&e.at).to_string()));
            }
            v
        })
        .collect();
    json!({"task": task, "events": events, "as_of": as_of.to_string()})
}

/// The regorus input value for one task (JSON text → `Value`).
pub fn input(case: &ValidCase, as_of: NaiveDate) -> Value {
    Value::from_json_str(&input_json(case, as_of).to_string()).unwrap_or(Value::Null)
}

pub fn engine(data: &Json) -> anyhow_free::Result<regorus::Engine> {
    let mut e = regorus::Engine::new();
    e.add_policy("accountable.rego".into(), POLICY.into())
        .map_err(|x| x.to_string())?;
    e.add_data(Value::from_json_str(&data.to_string()).map_err(|x| x.to_string())?)
        .map_err(|x| x.to_string())?;
    Ok(e)
}

/// The interpreter: set the input, evaluate the entry rule.
pub fn eval(e: &mut regorus::Engine, input: &Value) -> Result<Value, String> {
    e.set_input(input.clone());
    e.eval_rule(ENTRY.into()).map_err(|x| x.to_string())
}

/// The bytecode VM (RVM), compiled once from the same policy.
pub fn vm(data: &Json) -> anyhow_free::Result<regorus::rvm::RegoVM> {
    vm_for(data, ENTRY)
}

/// The RVM for any entry rule (also used to debug one rule).
pub fn vm_for(data: &Json, entry_rule: &str) -> anyhow_free::Result<regorus::rvm::RegoVM> {
    let mut e = engine(data)?;
    let entry: regorus::Rc<str> = entry_rule.into();
    let compiled = e
        .compile_with_entrypoint(&entry)
        .map_err(|x| x.to_string())?;
    let program =
        regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &[entry_rule])
            .map_err(|x| x.to_string())?;
    let mut vm = regorus::rvm::RegoVM::new();
    vm.load_program(program);
    vm.set_max_instructions(usize::MAX);
    vm.set_data(Value::from_json_str(&data.to_string()).map_err(|x| x.to_string())?)
        .map_err(|x| x.to_string())?;
    Ok(vm)
}

pub fn eval_vm(vm: &mut regorus::rvm::RegoVM, input: &Value) -> Result<Value, String> {
    vm.set_input(input.clone());
    vm.execute().map_err(|x| x.to_string())
}

/// The result value as an [`Outcome`].
pub fn outcome(v: &Value) -> Result<Outcome, String> {
    let j: Json = serde_json::from_str(&v.to_string()).map_err(|e| e.to_string())?;
    let mut o = Outcome::default();
    let s = |x: &Json| x.as_str().unwrap_or_default().to_string();
    let Some(acc) = j.get("acc").and_then(Json::as_array) else {
        return Err(format!("no `acc` in the result: {j}"));
    };
    for a in acc {
        o.acc.insert((s(&a[0]), s(&a[1]), s(&a[2])));
    }
    let empty = Vec::new();
    for f in j.get("findings").and_then(Json::as_array).unwrap_or(&empty) {
        let ev = f[3]
            .as_array()
            .map(|v| v.iter().map(s).collect())
            .unwrap_or_default();
        o.findings
            .insert((s(&f[0]), s(&f[1]), f[2].as_str().map(str::to_string), ev));
    }
    Ok(o)
}

/// `Result` with a `String` error (no anyhow dependency).
pub mod anyhow_free {
    pub type Result<T> = std::result::Result<T, String>;
}
