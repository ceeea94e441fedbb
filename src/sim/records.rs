//! Records a user's own probes read (`http` checks): Desk tickets (`GET /api/v1/tickets`,
//! `/tickets/{id}`; zohodesk-oas `Tickets.json`: orgId required, `Desk.tickets.READ` or `.ALL`,
//! 204 when there are none) and the CRM Leads module (`GET /crm/{v}/Leads`, `/Leads/{id}`;
//! crm-oas: `ZohoCRM.modules.leads.READ`, `.ALL`, or `ZohoCRM.modules.READ`/`.ALL`; `fields`
//! required on the list since v3; 204 when there are none), in those specs' example shapes.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::{
    Shared, crm, desk,
    world::{Fault, Service},
};

const TICKET_SCOPES: [&str; 2] = ["Desk.tickets.READ", "Desk.tickets.ALL"];
const LEAD_SCOPES: [&str; 4] = [
    "ZohoCRM.modules.leads.READ",
    "ZohoCRM.modules.leads.ALL",
    "ZohoCRM.modules.READ",
    "ZohoCRM.modules.ALL",
];

/// `Fault::Records` for `service`: the answer to send instead of the records.
fn status_fault(world: &Shared, account: usize, service: Service) -> Option<Response> {
    match &desk::lock(world).accounts[account].fault {
        Some(Fault::Records {
            service: faulty,
            status,
            code,
        }) if *faulty == service => {
            let http = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST);
            Some(match (code, service) {
                (None, _) => desk::unexpected(*status),
                (Some(code), Service::Crm) => {
                    crm::crm_error(http, code, "Simulated Zoho CRM error.", json!({}))
                }
                (Some(code), _) => desk::desk_error(http, code, "Simulated Zoho Desk error."),
            })
        }
        _ => None,
    }
}

/// A Desk tenant's tickets, as `Tickets.json`'s list example writes them (ids as strings).
pub fn tickets(name: &str, base_id: u64) -> Vec<Value> {
    let ticket = |n: u64, subject: &str, status: &str| {
        let id = 80_000_000_000 + 100 * base_id + n;
        json!({
            "id": id.to_string(),
            "ticketNumber": format!("{}", 100 + n),
            "subject": subject,
            "status": status,
            "statusType": if status == "Closed" { "Closed" } else { "Open" },
            "priority": "High",
            "channel": "Email",
            "email": format!("customer{n}@{name}.example"),
            "departmentId": "5000000000303",
            "contactId": format!("{}", id + 50),
            "createdTime": "2026-01-04T11:21:07.000Z",
            "threadCount": "3",
            "isOverDue": false,
            "webUrl": format!("https://desk.zoho.com/support/{name}/ShowHomePage.do#Cases/dv/{id}"),
        })
    };
    vec![
        ticket(1, "Cannot sign in to the portal", "Open"),
        ticket(2, "Invoice question", "Closed"),
    ]
}

/// A CRM tenant's leads, as crm-oas's Leads example writes them (ids as strings).
pub fn leads(name: &str, base: u64) -> Vec<Value> {
    let lead = |n: u64, first: &str, last: &str| {
        json!({
            "id": format!("{}", base + 500 + n),
            "First_Name": first,
            "Last_Name": last,
            "Email": format!("{}@{name}.example", first.to_ascii_lowercase()),
            "Company": format!("{last} Ltd"),
            "Lead_Status": "Contacted",
            "Owner": {"name": "Patricia Boyle", "id": format!("{}", base + 225)},
        })
    };
    vec![lead(1, "Ada", "Lovelace"), lead(2, "Alan", "Turing")]
}

pub async fn ticket_list(
    State(world): State<Shared>,
    Path(dc): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let account = match desk::admit(&world, &headers, &dc, &TICKET_SCOPES, true).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    if let Some(response) = status_fault(&world, account, Service::Desk) {
        return response;
    }
    let limit = match query.get("limit").map(|limit| limit.parse::<usize>()) {
        None => 10,
        Some(Ok(limit)) if (1..=100).contains(&limit) => limit,
        Some(_) => {
            return desk::desk_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNPROCESSABLE_ENTITY",
                "The value passed for the 'limit' query parameter is invalid.",
            );
        }
    };
    let tickets: Vec<Value> = desk::lock(&world).accounts[account]
        .desk
        .tickets
        .iter()
        .take(limit)
        .cloned()
        .collect();
    if tickets.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    Json(json!({ "data": tickets })).into_response()
}

pub async fn ticket(
    State(world): State<Shared>,
    Path((dc, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let account = match desk::admit(&world, &headers, &dc, &TICKET_SCOPES, true).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    if let Some(response) = status_fault(&world, account, Service::Desk) {
        return response;
    }
    let found = desk::lock(&world).accounts[account]
        .desk
        .tickets
        .iter()
        .find(|ticket| ticket["id"] == json!(id))
        .cloned();
    match found {
        Some(ticket) => Json(ticket).into_response(),
        None => desk::desk_error(
            StatusCode::NOT_FOUND,
            "URL_NOT_FOUND",
            "The URL you requested could not be found.",
        ),
    }
}

/// A lead with only the asked `fields` (and its id), as CRM answers.
fn with_fields(lead: &Value, fields: Option<&str>) -> Value {
    let Some(fields) = fields else {
        return lead.clone();
    };
    let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
    let picked: Map<String, Value> = lead
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| *key == "id" || wanted.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Value::Object(picked)
}

pub async fn lead_list(
    State(world): State<Shared>,
    Path((dc, version)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let account = match crm::admit(&world, &headers, &dc, &version, &LEAD_SCOPES).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    if let Some(response) = status_fault(&world, account, Service::Crm) {
        return response;
    }
    let Some(fields) = query.get("fields") else {
        return crm::crm_error(
            StatusCode::BAD_REQUEST,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({ "param_name": "fields" }),
        );
    };
    let per_page = query
        .get("per_page")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=200).contains(n))
        .unwrap_or(200);
    let all = desk::lock(&world).accounts[account].crm.leads.clone();
    if all.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let page: Vec<Value> = all
        .iter()
        .take(per_page)
        .map(|lead| with_fields(lead, Some(fields)))
        .collect();
    Json(json!({
        "data": page,
        "info": {
            "per_page": per_page,
            "count": page.len(),
            "page": 1,
            "sort_by": "id",
            "sort_order": "desc",
            "more_records": all.len() > page.len(),
        },
    }))
    .into_response()
}

pub async fn lead(
    State(world): State<Shared>,
    Path((dc, version, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let account = match crm::admit(&world, &headers, &dc, &version, &LEAD_SCOPES).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    if let Some(response) = status_fault(&world, account, Service::Crm) {
        return response;
    }
    let found = desk::lock(&world).accounts[account]
        .crm
        .leads
        .iter()
        .find(|lead| lead["id"] == json!(id))
        .cloned();
    match found {
        Some(lead) => Json(json!({ "data": [lead] })).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}
